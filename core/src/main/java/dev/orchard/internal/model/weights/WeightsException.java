package dev.orchard.internal.model.weights;

/**
 * A weights file that cannot be imported: unreadable, malformed, too large, or not the network asked for.
 * The message is one line naming the file (and, for a mismatch, the layer and both shapes).
 */
public final class WeightsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
