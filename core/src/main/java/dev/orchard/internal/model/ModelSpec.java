package dev.orchard.internal.model;

import java.io.Serializable;
import java.util.Objects;

/**
 * What featurization needs to know about a SavedModel: which tensors to feed and fetch, the input
 * image size, the feature dimension and the preprocessing. Read from the model's signature (and
 * the {@link ModelMetadata} file Orchard-made models carry in {@code assets.extra/orchard.json}) or
 * given by flags ({@link ModelOverrides}); see {@link ModelPackage#fromDirectory}.
 *
 * @param signatureKey  signature used, e.g. {@code serving_default}
 * @param inputTensor   graph tensor fed with a float NHWC batch, e.g. {@code serving_default_input:0}
 * @param outputTensor  graph tensor fetched, shape [batch, featureDim]
 * @param imageHeight   input height in pixels
 * @param imageWidth    input width in pixels
 * @param featureDim    length of one feature vector
 * @param preprocessing how pixels become inputs
 */
public record ModelSpec(String signatureKey, String inputTensor, String outputTensor,
                        int imageHeight, int imageWidth, int featureDim,
                        Preprocessing preprocessing) implements Serializable {

    public ModelSpec {
        Objects.requireNonNull(inputTensor, "inputTensor");
        Objects.requireNonNull(outputTensor, "outputTensor");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (imageHeight < 1 || imageWidth < 1) {
            throw new IllegalArgumentException("image size must be positive but was " + imageHeight + "x" + imageWidth);
        }
        if (featureDim < 1) {
            throw new IllegalArgumentException("featureDim must be positive but was " + featureDim);
        }
    }

    /** Floats in one preprocessed image: height x width x 3. */
    public int inputLength() {
        return imageHeight * imageWidth * 3;
    }
}
