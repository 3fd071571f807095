package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the {@link Storage} for a URI and keeps one instance per JVM per {@link StorageOptions},
 * so executors reuse one S3 client across all their tasks.
 *
 * <p>Orchard URIs are raw strings, never percent-encoded, so a key with spaces, {@code +},
 * {@code %} or unicode round-trips exactly: {@code s3://bucket/raw key}, {@code file:///abs/raw path}.
 * A plain path (absolute or relative) means local storage.
 */
public final class Storages {

    private static final Map<StorageOptions, Storage> S3 = new ConcurrentHashMap<>();

    private Storages() {}

    /** The storage that serves {@code uri}. */
    public static Storage forUri(String uri, StorageOptions options) {
        if (isS3(uri)) {
            return S3.computeIfAbsent(options, S3Storage::new);
        }
        return LocalStorage.INSTANCE;
    }

    public static boolean isS3(String uri) {
        return uri.regionMatches(true, 0, "s3://", 0, 5) || uri.regionMatches(true, 0, "s3a://", 0, 6);
    }

    public static boolean isLocal(String uri) {
        return !isS3(uri) && !uri.toLowerCase(Locale.ROOT).matches("^[a-z][a-z0-9+.-]*://.*")
                || uri.regionMatches(true, 0, "file:", 0, 5);
    }

    /**
     * Canonical form of a user-given location: {@code s3://...} as given (without a trailing
     * slash), local paths as {@code file://} plus the absolute, normalized path.
     */
    public static String normalize(String uri) {
        String u = uri.strip();
        if (isS3(u)) {
            u = "s3://" + u.substring(u.indexOf("://") + 3);
            while (u.endsWith("/") && u.length() > "s3://".length() + 1) {
                u = u.substring(0, u.length() - 1);
            }
            return u;
        }
        if (!isLocal(u)) {
            throw new StorageException(uri, "Unsupported storage URI '" + uri
                    + "': use s3://bucket/prefix or a local path");
        }
        return LocalStorage.toUri(LocalStorage.toPath(u));
    }

    /** Local file-system path for a local URI. */
    public static Path localPath(String uri) {
        return LocalStorage.toPath(uri);
    }

    /** Last path segment of a URI. */
    public static String fileName(String uri) {
        int slash = uri.lastIndexOf('/');
        return slash < 0 ? uri : uri.substring(slash + 1);
    }

    /** Name of the folder that holds the object: the Fruits-360 class label. */
    public static String parentName(String uri) {
        int slash = uri.lastIndexOf('/');
        if (slash <= 0) {
            return "";
        }
        String parent = uri.substring(0, slash);
        int prev = parent.lastIndexOf('/');
        return prev < 0 ? parent : parent.substring(prev + 1);
    }

    /**
     * For tests: {@code observer} is told the operation ({@code GetObject}, {@code ListObjectsV2}) of every request
     * the lean S3 path sends in this JVM, on the calling thread; {@code null} stops it. Requests through the SDK
     * client are seen by SDK interceptors instead.
     */
    public static void observeLeanS3Requests(java.util.function.Consumer<String> observer) {
        S3Get.observer = observer;
    }
}
