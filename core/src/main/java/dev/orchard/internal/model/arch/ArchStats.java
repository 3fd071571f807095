package dev.orchard.internal.model.arch;

/**
 * Size and cost of one architecture at one input size, computed from its layer structure (no
 * weights are allocated).
 *
 * @param kerasParameters    parameters as Keras' {@code model.count_params()} counts them, batch norm
 *                           included at 4 per channel (gamma, beta, moving mean, moving variance)
 * @param exportedParameters floats Orchard actually exports: batch norm folded into one bias per channel
 * @param flopsPerImage      floating-point operations of one forward pass, counting a multiply-add as
 *                           2 (convolutions and dense layers only; activations, pooling, bias and
 *                           residual adds are below 1% and left out)
 * @param featureDim         length of the output feature vector
 */
public record ArchStats(long kerasParameters, long exportedParameters, long flopsPerImage, int featureDim) {}
