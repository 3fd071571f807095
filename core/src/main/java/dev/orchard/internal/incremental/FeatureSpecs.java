package dev.orchard.internal.incremental;

import dev.orchard.internal.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes two feature vectors comparable: the model's preprocessing, input size, output tensor and
 * dimension. Recorded in an output's manifest configuration under {@link #KEY} and compared before rows of
 * different outputs are mixed (incremental runs, unions) or projected with a saved PCA model.
 */
public final class FeatureSpecs {

    /** The configuration key. */
    public static final String KEY = "featureSpec";

    private FeatureSpecs() {}

    /** The JSON-able description of {@code spec}. */
    public static Map<String, String> of(ModelSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preprocessing", spec.preprocessing().name().toLowerCase(java.util.Locale.ROOT));
        m.put("imageSize", spec.imageHeight() + "x" + spec.imageWidth());
        m.put("outputTensor", spec.outputTensor());
        m.put("featureDim", String.valueOf(spec.featureDim()));
        return m;
    }

    /** The spec as read back from a manifest's configuration (values as strings). */
    public static Map<String, String> copy(Map<?, ?> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** One line for people: {@code mobilenet_v2 224x224 -> 1280 (out:0)}. */
    public static String describe(Map<String, ?> spec) {
        return spec.get("preprocessing") + " " + spec.get("imageSize") + " -> " + spec.get("featureDim")
                + " (" + spec.get("outputTensor") + ")";
    }
}
