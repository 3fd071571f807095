package dev.orchard.internal.model;

import java.io.Serializable;

/**
 * What the user said explicitly about a model (CLI flags); every field is nullable and a non-null
 * one wins over what the model itself says.
 *
 * @param signatureKey  signature to use; {@code null} means {@code serving_default}
 * @param inputTensor   the input: a signature input key (e.g. {@code input}) or a graph tensor
 *                      name (e.g. {@code serving_default_input:0})
 * @param outputTensor  the output: a signature output key (e.g. {@code features}) or a graph
 *                      tensor name
 * @param imageSize     square input size in pixels, for models whose signature leaves it unknown
 * @param preprocessing how pixels become inputs
 */
public record ModelOverrides(String signatureKey, String inputTensor, String outputTensor,
                             Integer imageSize, Preprocessing preprocessing) implements Serializable {

    /** Largest image side accepted: far above any ImageNet CNN, small enough to catch typos. */
    public static final int MAX_IMAGE_SIZE = 4096;

    public ModelOverrides {
        if (imageSize != null && (imageSize < 1 || imageSize > MAX_IMAGE_SIZE)) {
            throw new IllegalArgumentException("imageSize must be in [1, " + MAX_IMAGE_SIZE + "] but was " + imageSize);
        }
    }

    /** No overrides: everything comes from the model. */
    public static ModelOverrides none() {
        return new ModelOverrides(null, null, null, null, null);
    }
}
