package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A place images, models and outputs live: a local directory tree or an S3 bucket.
 *
 * <p>URIs are absolute: {@code file:/abs/path} (or a plain absolute path) for local storage,
 * {@code s3://bucket/key} for S3. Implementations are thread-safe and cheap to share; get one from
 * {@link Storages#forUri(String, StorageOptions)}, which keeps one client per JVM per options, so
 * callers never close it.
 */
public interface Storage {

    /**
     * Lists every object under {@code prefixUri} (recursively), in no particular order. The prefix
     * is a "directory": {@code s3://b/data} lists {@code data/...}, never {@code data2/...}.
     *
     * @throws StorageException if the prefix cannot be listed (missing, forbidden, unreachable);
     *                          on S3 a prefix with no objects counts as missing
     */
    List<StoredObject> list(String prefixUri);

    /**
     * One level under {@code prefixUri} (a delimited listing): the child directories and the number of objects
     * directly in it, in memory O(children) whatever lies below. Stops early, with {@link PrefixLevel#flat()}
     * set, once more than {@code maxDirectObjects} objects lie directly at this level (a huge flat prefix,
     * better split by key ranges than paged through by one caller).
     *
     * @throws StorageException if the prefix cannot be listed or, as {@link #list}, does not exist
     */
    PrefixLevel listLevel(String prefixUri, long maxDirectObjects);

    /**
     * Calls {@code sink} once for every object in {@code range} (in no particular order; S3 gives key order).
     * This is the executors' half of a distributed listing: S3 pages through ListObjectsV2 from the range's
     * {@code StartAfter} and stops past its upper bound; local storage walks the directory.
     *
     * @throws StorageException if the range's prefix cannot be listed; on S3 an empty range is not an error
     */
    void listRange(KeyRange range, java.util.function.Consumer<StoredObject> sink);

    /**
     * Reads a whole object. Objects are images (KBs) or part files (MBs), so bytes are fine.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object at {@code uri}
     */
    byte[] readAllBytes(String uri) throws IOException;

    /**
     * Opens an object for streaming; the caller closes the stream.
     *
     * @throws java.nio.file.NoSuchFileException if there is no object at {@code uri}
     */
    InputStream open(String uri) throws IOException;

    /**
     * Writes {@code localFile} to {@code uri} atomically: readers see the old object, no object, or
     * the whole new object, never a partial one. An existing object is replaced.
     */
    void upload(Path localFile, String uri) throws IOException;

    /** Writes {@code bytes} to {@code uri} atomically (see {@link #upload}). */
    void write(String uri, byte[] bytes) throws IOException;

    /** Whether an object exists at exactly {@code uri}. */
    boolean exists(String uri) throws IOException;

    /** Whether anything at all exists under the prefix {@code prefixUri}. */
    boolean isEmptyPrefix(String prefixUri) throws IOException;

    /** Deletes the object at {@code uri} if present. */
    void delete(String uri) throws IOException;

    /** Deletes everything under {@code prefixUri}. */
    void deleteRecursively(String prefixUri) throws IOException;

    /** Joins a child name to a prefix URI with exactly one separator. */
    static String join(String prefixUri, String child) {
        if (prefixUri.endsWith("/")) {
            return prefixUri + child;
        }
        return prefixUri + "/" + child;
    }
}
