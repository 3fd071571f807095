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
 * @param contentId  what identified the image's content when it was featurized: {@code "<size>:<ETag>"} on S3,
 *                   {@code "<size>:<mtime ms>"} locally; {@code ""} when unknown (images given as an RDD, outputs
 *                   written before the column existed). An incremental run reuses the row only while the input
 *                   still lists the same content id.
 */
public record FeatureRecord(String imageId, String label, int labelIndex, float[] features, String contentId)
        implements Serializable {

    public FeatureRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(contentId, "contentId");
    }

    /** A row without a known content identity ({@code contentId = ""}). */
    public FeatureRecord(String imageId, String label, int labelIndex, float[] features) {
        this(imageId, label, labelIndex, features, "");
    }

    /** This row under another label (an incremental run re-indexes reused rows by the new run's labels). */
    public FeatureRecord withLabel(String newLabel, int newLabelIndex) {
        return new FeatureRecord(imageId, newLabel, newLabelIndex, features, contentId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureRecord r && imageId.equals(r.imageId) && label.equals(r.label)
                && labelIndex == r.labelIndex && contentId.equals(r.contentId) && Arrays.equals(features, r.features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageId, label, labelIndex, contentId) * 31 + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return "FeatureRecord[" + imageId + ", " + label + "(" + labelIndex + "), d=" + features.length + "]";
    }
}
