package dev.orchard;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One image projected on the fitted principal components: a row of {@code <output>/pca/}.
 *
 * @param pca the k projections {@code pc_j = ((x - mean) / scale) . component_j} (read-only)
 */
public record PcaRecord(String imageId, String label, int labelIndex, double[] pca) implements Serializable {

    public PcaRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(pca, "pca");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PcaRecord r && imageId.equals(r.imageId) && label.equals(r.label)
                && labelIndex == r.labelIndex && Arrays.equals(pca, r.pca);
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageId, label, labelIndex) * 31 + Arrays.hashCode(pca);
    }

    @Override
    public String toString() {
        return "PcaRecord[" + imageId + ", " + label + "(" + labelIndex + "), k=" + pca.length + "]";
    }
}
