package dev.orchard;

import java.io.Serializable;
import java.util.Objects;

/**
 * An image that could not be featurized: a row of {@code <output>/errors/}.
 *
 * @param imageId the full input URI of the image
 * @param reason    what went wrong, for a person: "truncated JPEG", "not an image", ...
 * @param contentId the image's content identity as listed ({@link FeatureRecord#contentId()}); {@code ""} when unknown
 */
public record ErrorRecord(String imageId, String reason, String contentId) implements Serializable {
    public ErrorRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(contentId, "contentId");
    }

    /** An error without a known content identity ({@code contentId = ""}). */
    public ErrorRecord(String imageId, String reason) {
        this(imageId, reason, "");
    }
}
