package dev.orchard;

/**
 * Storage could not be reached or used: a missing bucket or directory, a refused credential, an
 * unreachable endpoint. The message names the URI and says what to do.
 */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String uri;

    public StorageException(String uri, String message, Throwable cause) {
        super(message, cause);
        this.uri = uri;
    }

    public StorageException(String uri, String message) {
        this(uri, message, null);
    }

    /** The URI that failed. */
    public String uri() {
        return uri;
    }
}
