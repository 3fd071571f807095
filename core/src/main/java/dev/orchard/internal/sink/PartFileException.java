package dev.orchard.internal.sink;

/**
 * A part file that cannot be read as the table it should hold: a wrong CSV header, a row with the
 * wrong number of fields, a value that is not a number, a Parquet file without an expected column.
 * The message names the file and, where known, the row.
 */
public class PartFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String uri;

    public PartFileException(String uri, String message, Throwable cause) {
        super(message, cause);
        this.uri = uri;
    }

    public PartFileException(String uri, String message) {
        this(uri, message, null);
    }

    /** The part file that could not be read. */
    public String uri() {
        return uri;
    }
}
