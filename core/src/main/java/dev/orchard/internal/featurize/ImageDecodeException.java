package dev.orchard.internal.featurize;

/** An image that cannot be turned into model input; the message is the reason a person reads. */
public class ImageDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    public ImageDecodeException(String reason) {
        super(reason);
    }

    public ImageDecodeException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
