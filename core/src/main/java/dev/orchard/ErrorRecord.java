package dev.orchard;

import java.io.Serializable;
import java.util.Objects;

/**
 * An image that could not be featurized: a row of {@code <output>/errors/}.
 *
 * @param imageId the full input URI of the image
 * @param reason  what went wrong, for a person: "truncated JPEG", "not an image", ...
 */
public record ErrorRecord(String imageId, String reason) implements Serializable {
    public ErrorRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(reason, "reason");
    }
}
