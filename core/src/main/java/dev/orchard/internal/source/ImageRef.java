package dev.orchard.internal.source;

import java.io.Serializable;
import java.util.Objects;

/**
 * One listed image, before featurization.
 *
 * @param uri        full raw URI of the image; becomes {@code image_id}
 * @param label      name of the image's parent folder (Fruits-360: the class)
 * @param labelIndex index of {@code label} in the run's sorted labels
 * @param size       the object's size in bytes as listed, or {@code -1} when unknown (images given as an RDD)
 * @param version    what identifies the object's content besides its size: the ETag on S3, the modification
 *                   time in milliseconds (as a decimal string) on local disk; {@code ""} when unknown
 * @param bytes      the image's bytes when the caller already holds them (an RDD of (id, bytes)); {@code null}
 *                   when executors fetch the image themselves. Not copied: treat as read-only
 * @param location   where executors fetch the image when it is not {@code uri} itself (an RDD of
 *                   (id, URI) pairs); {@code null} to fetch {@code uri}
 */
public record ImageRef(String uri, String label, int labelIndex, long size, String version, byte[] bytes,
                       String location) implements Serializable {

    public ImageRef {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(version, "version");
    }

    /** A reference fetched from {@code uri}, or given with its bytes. */
    public ImageRef(String uri, String label, int labelIndex, long size, String version, byte[] bytes) {
        this(uri, label, labelIndex, size, version, bytes, null);
    }

    /** Where the image's bytes are read from when {@link #bytes()} is null. */
    public String fetchUri() {
        return location == null ? uri : location;
    }

    /** A reference with no known content identity, fetched by URI. */
    public ImageRef(String uri, String label, int labelIndex) {
        this(uri, label, labelIndex, -1, "", null);
    }

    /** A listed reference with its content identity, fetched by URI. */
    public ImageRef(String uri, String label, int labelIndex, long size, String version) {
        this(uri, label, labelIndex, size, version, null);
    }

    /** The content identity recorded per image in the output: {@code "<size>:<version>"}, or {@code ""} when unknown. */
    public String contentId() {
        return size < 0 ? "" : size + ":" + version;
    }
}
