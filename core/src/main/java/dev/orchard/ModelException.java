package dev.orchard;

/**
 * A SavedModel that cannot be used: missing, unreadable, unsafe to unpack, or not shaped like a
 * feature extractor. The message names the model's location and says what to do about it.
 */
public class ModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String location;

    /**
     * @param location where the model was looked for (a path or URI), kept for callers
     * @param message  what is wrong and how to fix it
     */
    public ModelException(String location, String message) {
        super(message);
        this.location = location;
    }

    public ModelException(String location, String message, Throwable cause) {
        super(message, cause);
        this.location = location;
    }

    /** The path or URI of the model this is about. */
    public String location() {
        return location;
    }
}
