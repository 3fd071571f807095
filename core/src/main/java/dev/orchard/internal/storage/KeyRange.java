package dev.orchard.internal.storage;

import java.io.Serializable;
import java.util.Objects;

/**
 * A part of a listing small enough for one Spark task: the objects under a "directory" prefix, optionally
 * only those directly in it, optionally only a range of keys. Executors list ranges with
 * {@link Storage#listRange}; the driver only ever holds the ranges, never the objects.
 *
 * @param prefixUri  a "directory" URI ({@code s3://b/images/Apple}, {@code file:///data/Apple}); the range
 *                   covers {@code prefixUri + "/" + ...}, never {@code prefixUri + "2/..."}
 * @param recursive  whether objects in sub-folders belong to the range ({@code false}: only the objects
 *                   directly under {@code prefixUri})
 * @param startAfter only URIs strictly greater than this one (in S3's key order), or {@code null}: no lower bound
 * @param upTo       only URIs less than or equal to this one, or {@code null}: no upper bound. Key bounds are
 *                   supported on S3 only (ListObjectsV2 {@code StartAfter}); a local directory walk cannot seek
 */
public record KeyRange(String prefixUri, boolean recursive, String startAfter, String upTo) implements Serializable {

    public KeyRange {
        Objects.requireNonNull(prefixUri, "prefixUri");
        if (startAfter != null && upTo != null && startAfter.compareTo(upTo) >= 0) {
            throw new IllegalArgumentException("startAfter must sort before upTo but was " + startAfter + " >= " + upTo);
        }
    }

    /** Everything under {@code prefixUri}, recursively. */
    public static KeyRange all(String prefixUri) {
        return new KeyRange(prefixUri, true, null, null);
    }

    /** Only the objects directly under {@code prefixUri}. */
    public static KeyRange direct(String prefixUri) {
        return new KeyRange(prefixUri, false, null, null);
    }

    /** Whether {@code uri} lies within the key bounds (the prefix and depth are the lister's business). */
    public boolean inBounds(String uri) {
        return (startAfter == null || uri.compareTo(startAfter) > 0) && (upTo == null || uri.compareTo(upTo) <= 0);
    }

    /** The URI every object of the range starts with: the prefix with exactly one trailing {@code /}. */
    public String dirUri() {
        return prefixUri.endsWith("/") ? prefixUri : prefixUri + "/";
    }
}
