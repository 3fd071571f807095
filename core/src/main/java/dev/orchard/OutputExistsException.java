package dev.orchard;


/**
 * The output location already holds something and the run was not allowed to replace it (no
 * {@code --overwrite}), or it holds files Orchard did not write, which it never deletes.
 */
public class OutputExistsException extends StorageException {
    private static final long serialVersionUID = 1L;

    public OutputExistsException(String uri, String message) {
        super(uri, message);
    }
}
