package dev.orchard.internal.sink;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * An image an incremental run found changed or gone since the outputs it continued from: a row of
 * {@code <output>/changes/}.
 *
 * @param imageId           the full input URI of the image
 * @param change            {@link Kind#CHANGED}: listed again with another content id, featurized again;
 *                          {@link Kind#RETIRED}: no longer listed, so no longer part of the output chain
 * @param contentId         the content id listed now ({@code ""} for a retired image)
 * @param previousContentId the content id of the row it replaces or retires
 */
public record ChangeRecord(String imageId, Kind change, String contentId, String previousContentId)
        implements Serializable {

    /** What happened to an image between two runs. */
    public enum Kind {
        CHANGED, RETIRED;

        /** The name as written in the output: {@code changed} or {@code retired}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException if {@code id} is neither {@code changed} nor {@code retired} */
        public static Kind parse(String id) {
            for (Kind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("change must be changed or retired but was '" + id + "'");
        }
    }

    public ChangeRecord {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(change, "change");
        Objects.requireNonNull(contentId, "contentId");
        Objects.requireNonNull(previousContentId, "previousContentId");
    }
}
