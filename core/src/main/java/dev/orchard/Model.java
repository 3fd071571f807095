package dev.orchard;

import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A SavedModel packed on the driver ({@link Orchard#model}), ready to be broadcast by {@link Orchard#featurize}:
 * its bytes (bounded: {@value ModelPackage#MAX_PACKED_BYTES} bytes packed) and what featurization needs to know
 * about it. Immutable; holds no native resources (each executor loads its own copy once).
 */
public final class Model {

    private final ModelPackage pkg;

    Model(ModelPackage pkg) {
        this.pkg = pkg;
    }

    /** Where the model was read from. */
    public String source() {
        return pkg.source();
    }

    /** Length of one feature vector (e.g. 1,280 for MobileNetV2, 4,096 for VGG16 to fc2). */
    public int featureDimension() {
        return pkg.spec().featureDim();
    }

    /** Input height in pixels. */
    public int imageHeight() {
        return pkg.spec().imageHeight();
    }

    /** Input width in pixels. */
    public int imageWidth() {
        return pkg.spec().imageWidth();
    }

    /** How pixels become model inputs: {@code mobilenet_v2}, {@code vgg16} or {@code unit}. */
    public String preprocessing() {
        return pkg.spec().preprocessing().flagName();
    }

    /** Packed size in bytes (what the broadcast sends). */
    public long packedBytes() {
        return pkg.packedBytes();
    }

    /** Everything above plus the signature and tensor names, for reports. */
    public Map<String, Object> describe() {
        ModelSpec s = pkg.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source());
        m.put("signatureKey", s.signatureKey());
        m.put("inputTensor", s.inputTensor());
        m.put("outputTensor", s.outputTensor());
        m.put("imageHeight", s.imageHeight());
        m.put("imageWidth", s.imageWidth());
        m.put("featureDim", s.featureDim());
        m.put("preprocessing", preprocessing());
        m.put("packedBytes", packedBytes());
        return m;
    }

    ModelPackage pkg() {
        return pkg;
    }

    @Override
    public String toString() {
        return "Model[" + source() + ", " + imageHeight() + "x" + imageWidth() + " -> " + featureDimension() + "]";
    }
}
