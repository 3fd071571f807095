package dev.orchard.internal.source;

import java.io.Serializable;
import java.util.Objects;

/**
 * One listed image, before featurization.
 *
 * @param uri        full raw URI of the image; becomes {@code image_id}
 * @param label      name of the image's parent folder (Fruits-360: the class)
 * @param labelIndex index of {@code label} in {@link ImageListing#labels()}
 */
public record ImageRef(String uri, String label, int labelIndex) implements Serializable {
    public ImageRef {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(label, "label");
    }
}
