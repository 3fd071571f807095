package dev.orchard;

import java.io.Serializable;

/**
 * What to take from the model's own signature and what to set explicitly. Every field is optional
 * ({@code null}: read it from the SavedModel's signature or its {@code assets.extra/orchard.json}).
 *
 * @param signatureKey  the signature to call (default {@code serving_default})
 * @param inputTensor   the input's name in the signature
 * @param outputTensor  the output's name in the signature
 * @param imageSize     the side images are resized to, in pixels
 * @param preprocessing {@code mobilenet_v2} ([-1, 1]), {@code vgg16} (caffe BGR mean) or {@code unit} ([0, 1])
 */
public record ModelOptions(String signatureKey, String inputTensor, String outputTensor, Integer imageSize,
                           String preprocessing) implements Serializable {

    /** Everything from the model. */
    public static ModelOptions fromModel() {
        return new ModelOptions(null, null, null, null, null);
    }

    public ModelOptions withImageSize(int pixels) {
        return new ModelOptions(signatureKey, inputTensor, outputTensor, pixels, preprocessing);
    }

    public ModelOptions withPreprocessing(String name) {
        return new ModelOptions(signatureKey, inputTensor, outputTensor, imageSize, name);
    }

    public ModelOptions withTensors(String signature, String input, String output) {
        return new ModelOptions(signature, input, output, imageSize, preprocessing);
    }
}
