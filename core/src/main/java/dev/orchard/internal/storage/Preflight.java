package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the CLI runs before any Spark job starts, so a missing input, an unreadable model or
 * unreachable/forbidden storage fails in seconds with one line instead of minutes into a job.
 * Each check works for {@code s3://} and local URIs and throws {@link StorageException} whose
 * message names the URI, the cause and what to do.
 *
 * <p>S3 checks use a short-lived client with at most {@value #MAX_ATTEMPTS} attempts per request
 * (so an unreachable endpoint fails in about a second) and credentials from the default provider
 * chain, exactly like the job's own clients.
 */
public final class Preflight {

    /** Name of the marker object {@link #checkWritable} puts and deletes under the output. */
    public static final String MARKER = "_orchard_preflight";
    /** The file that makes a directory a TensorFlow SavedModel. */
    public static final String SAVED_MODEL_FILE = "saved_model.pb";
    static final int MAX_ATTEMPTS = 3;

    private Preflight() {}

    /** The input exists and can be listed: for S3, at least one object is under the prefix. */
    public static void checkReadable(String inputUri, StorageOptions options) {
        if (Storages.isS3(inputUri)) {
            try (S3Storage s3 = preflightStorage(options)) {
                checkReadable(s3, inputUri);
            }
            return;
        }
        Path dir = Storages.localPath(inputUri);
        if (!Files.exists(dir)) {
            throw new StorageException(inputUri, "Input directory " + dir + " does not exist: check --input");
        }
        if (!Files.isDirectory(dir)) {
            throw new StorageException(inputUri, "Input " + dir
                    + " is a file, not a directory: pass the folder that holds the class folders");
        }
        if (!Files.isReadable(dir)) {
            throw new StorageException(inputUri, "Input directory " + dir + " is not readable: check its permissions");
        }
    }

    static void checkReadable(S3Storage s3, String inputUri) {
        if (!s3.hasAnyUnder(S3Uri.parse(inputUri))) {
            throw new StorageException(inputUri, "No objects under " + inputUri
                    + ": check --input (S3 keys are case-sensitive) and --region");
        }
    }

    /**
     * The output can be written: puts and deletes {@code <output>/}{@value #MARKER}. A local
     * output directory that did not exist is created for the test and removed again.
     */
    public static void checkWritable(String outputUri, StorageOptions options) {
        if (Storages.isS3(outputUri)) {
            try (S3Storage s3 = preflightStorage(options)) {
                checkWritable(s3, outputUri);
            }
            return;
        }
        Path dir = Storages.localPath(outputUri);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new StorageException(outputUri, "Output " + dir + " is a file: pass a directory for --output");
        }
        Path firstCreated = null;
        for (Path p = dir; p != null && !Files.exists(p); p = p.getParent()) {
            firstCreated = p;
        }
        Path marker = dir.resolve(MARKER);
        try {
            Files.createDirectories(dir);
            Files.write(marker, MARKER.getBytes(StandardCharsets.UTF_8));
            Files.delete(marker);
        } catch (IOException e) {
            throw new StorageException(outputUri, "Output directory " + dir + " is not writable ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "): check --output and its permissions", e);
        } finally {
            removeCreated(dir, firstCreated);
        }
    }

    static void checkWritable(S3Storage s3, String outputUri) {
        String marker = Storage.join(outputUri, MARKER);
        s3.write(marker, MARKER.getBytes(StandardCharsets.UTF_8));
        s3.delete(marker);
    }

    /** Removes the empty directories from {@code dir} up to {@code top}, which this check created. */
    private static void removeCreated(Path dir, Path top) {
        if (top == null) {
            return;
        }
        for (Path p = dir; p != null; p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                return; // someone else wrote there meanwhile: keep it
            } catch (IOException e) {
                return;
            }
            if (p.equals(top)) {
                return;
            }
        }
    }

    /** {@code modelUri} is a readable SavedModel directory: {@value #SAVED_MODEL_FILE} exists under it. */
    public static void checkModelReadable(String modelUri, StorageOptions options) {
        if (Storages.isS3(modelUri)) {
            try (S3Storage s3 = preflightStorage(options)) {
                checkModelReadable(s3, modelUri);
            }
            return;
        }
        Path dir = Storages.localPath(modelUri);
        if (Files.isRegularFile(dir)) { // a pretrained-weights file (.h5, .keras, model.json), imported on the driver
            if (!Files.isReadable(dir)) {
                throw new StorageException(modelUri, "Weights file " + dir + " is not readable: check its permissions");
            }
            return;
        }
        Path pb = dir.resolve(SAVED_MODEL_FILE);
        if (Files.isRegularFile(pb)) {
            if (!Files.isReadable(pb)) {
                throw new StorageException(modelUri, "Model file " + pb + " is not readable: check its permissions");
            }
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new StorageException(modelUri, "Model directory " + dir + " does not exist: check --model");
        }
        throw new StorageException(modelUri, noSavedModel(modelUri));
    }

    static void checkModelReadable(S3Storage s3, String modelUri) {
        if (s3.exists(Storage.join(modelUri, SAVED_MODEL_FILE))) {
            return;
        }
        // A HEAD on a missing bucket is a bare 404: the listing names the real cause.
        if (!s3.hasAnyUnder(S3Uri.parse(modelUri))) {
            throw new StorageException(modelUri, "Model " + modelUri + " does not exist (no objects under it): check --model");
        }
        throw new StorageException(modelUri, noSavedModel(modelUri));
    }

    private static String noSavedModel(String modelUri) {
        return "Model " + modelUri + " has no " + SAVED_MODEL_FILE
                + ": pass the SavedModel export directory (the one holding " + SAVED_MODEL_FILE + " and variables/)";
    }

    private static S3Storage preflightStorage(StorageOptions options) {
        return new S3Storage(options.withMaxAttempts(Math.min(MAX_ATTEMPTS, options.maxAttempts())));
    }
}
