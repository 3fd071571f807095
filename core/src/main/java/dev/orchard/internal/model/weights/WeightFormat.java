package dev.orchard.internal.model.weights;

/** The pretrained-weight files Orchard imports, each naming its weights by Keras layer. */
public enum WeightFormat {
    /**
     * Keras 2 {@code save_weights} / {@code model.save} HDF5 (what {@code keras.applications} downloads): root
     * attribute {@code layer_names}, one group per layer with attribute {@code weight_names}
     * ({@code Conv1/kernel:0}), the datasets under the layer group; a full-model file keeps all of it under
     * {@code model_weights/}.
     */
    KERAS2_H5("keras2-h5"),
    /**
     * Keras 3 {@code .weights.h5}: {@code layers/<class path>/vars/<i>}, where the class path is the layer's
     * class in snake case numbered in model order ({@code conv2d}, {@code conv2d_1}, ...) and no layer name is
     * stored.
     */
    KERAS3_WEIGHTS_H5("keras3-weights-h5"),
    /** Keras 3 {@code .keras} zip: {@code config.json} (layer names and order) + {@code model.weights.h5}. */
    KERAS3_ARCHIVE("keras3-archive"),
    /**
     * TensorFlow.js Layers model: {@code model.json} (Keras topology + {@code weightsManifest}) and binary
     * shards, float32 or quantized to uint8/uint16 with a per-tensor {@code min}/{@code scale}.
     */
    TFJS_LAYERS("tfjs-layers");

    private final String label;

    WeightFormat(String label) {
        this.label = label;
    }

    /** The name written to {@code orchard.json}. */
    public String label() {
        return label;
    }
}
