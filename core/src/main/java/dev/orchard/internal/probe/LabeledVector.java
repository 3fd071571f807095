package dev.orchard.internal.probe;

import java.io.Serializable;
import java.util.Objects;

/**
 * One example of the linear probe: an id (for the split), a class index and its input vector.
 *
 * @param id         unique per example (the image id); the train/test split keys on it
 * @param labelIndex class index in {@code [0, classes)}
 * @param x          the input vector (not copied: treat as read-only)
 */
public record LabeledVector(String id, int labelIndex, double[] x) implements Serializable {

    public LabeledVector {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(x, "x");
        if (labelIndex < 0) {
            throw new IllegalArgumentException("labelIndex must be >= 0 but was " + labelIndex + " for " + id);
        }
    }
}
