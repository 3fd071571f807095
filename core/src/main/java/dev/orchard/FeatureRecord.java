package dev.orchard;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One featurized image: a row of {@code <output>/features/}.
 *
 * @param imageId    the full input URI of the image (raw, not percent-encoded)
 * @param label      class label: the name of the image's parent folder
 * @param labelIndex index of {@code label} in the sorted list of all labels of the run
 * @param features   the CNN's output vector (not copied: treat as read-only)
 */
public record FeatureRecord(String imageId, String label, int labelIndex, float[] features) implements Serializable {

    public FeatureRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(features, "features");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureRecord r && imageId.equals(r.imageId) && label.equals(r.label)
                && labelIndex == r.labelIndex && Arrays.equals(features, r.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageId, label, labelIndex) * 31 + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return "FeatureRecord[" + imageId + ", " + label + "(" + labelIndex + "), d=" + features.length + "]";
    }
}
