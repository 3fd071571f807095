package dev.orchard.internal.storage;

import java.io.Serializable;

/**
 * One listed object.
 *
 * @param uri     its full URI
 * @param size    its size in bytes
 * @param version what identifies its content besides the size: the ETag on S3 (quotes stripped), the
 *                modification time in milliseconds on local disk (decimal); {@code ""} when unknown
 */
public record StoredObject(String uri, long size, String version) implements Serializable {

    /** An object whose content version is unknown. */
    public StoredObject(String uri, long size) {
        this(uri, size, "");
    }
}
