package dev.orchard.internal.sink;

import dev.orchard.OutputExistsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.StoredObject;
import dev.orchard.internal.storage.Storages;

/**
 * The all-or-nothing commit of an output: {@link #prepare} before anything is written,
 * {@link #writeFile} and {@link Sink}'s writers for the content, {@link #commit} last. Until the
 * {@code _SUCCESS} manifest exists, readers treat the output as incomplete; object stores have no
 * atomic rename of a folder, so the manifest, written in one atomic PUT, is the commit point.
 * Driver-side only.
 */
public final class OutputCommitter {

    /** Name of the manifest file at the output root. */
    public static final String SUCCESS = "_SUCCESS";

    /**
     * The only top-level names an Orchard output holds. {@code --overwrite} deletes an output only
     * when everything in it is one of these (or a hidden temporary file), so a mistyped
     * {@code --output} never wipes someone's data.
     */
    static final Set<String> LAYOUT = Set.of("features", "pca", "errors", "changes", "pca-model.json", "report.json",
            "report.html", "spark-events", SUCCESS);

    private static final Logger LOG = LoggerFactory.getLogger(OutputCommitter.class);

    private OutputCommitter() {}

    /**
     * Makes {@code outputUri} ready for a run: an empty or missing output is fine; a non-empty one
     * is refused unless {@code overwrite}, in which case its {@code _SUCCESS} is deleted first (so
     * it stops claiming to be complete at once) and then everything else.
     *
     * @throws OutputExistsException if the output is not empty and {@code overwrite} is false, or
     *                               if it holds files outside the Orchard layout
     */
    public static void prepare(String outputUri, boolean overwrite, StorageOptions options) {
        String root = Storages.normalize(outputUri);
        Storage storage = Storages.forUri(root, options);
        try {
            if (storage.isEmptyPrefix(prefix(root))) {
                return;
            }
            if (!overwrite) {
                throw new OutputExistsException(root, "Output " + root
                        + " is not empty: pass --overwrite to replace it, or choose another --output");
            }
            List<String> foreign = foreignEntries(root, storage);
            if (!foreign.isEmpty()) {
                throw new OutputExistsException(root, "Output " + root + " holds files Orchard did not write ("
                        + String.join(", ", foreign.subList(0, Math.min(5, foreign.size())))
                        + (foreign.size() > 5 ? ", …" : "")
                        + "), so --overwrite will not delete it: choose another --output or empty it yourself");
            }
            storage.delete(Storage.join(root, SUCCESS));
            storage.deleteRecursively(prefix(root));
            LOG.info("Deleted the previous output at {} (--overwrite)", root);
        } catch (IOException e) {
            throw new StorageException(root, "Cannot prepare output " + root + ": " + e.getMessage(), e);
        }
    }

    /** Top-level names under the output root that are not part of the Orchard layout. */
    private static List<String> foreignEntries(String root, Storage storage) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Storages.isLocal(root)) {
            Path dir = Storages.localPath(root);
            if (!Files.isDirectory(dir)) {
                return List.of(dir.toString() + " (a file, not a folder)");
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> names.add(p.getFileName().toString()));
            }
        } else {
            for (StoredObject o : storage.list(prefix(root))) {
                String rel = relative(root, o.uri());
                int slash = rel.indexOf('/');
                names.add(slash < 0 ? rel : rel.substring(0, slash));
            }
        }
        List<String> foreign = new ArrayList<>();
        for (String n : names) {
            if (!LAYOUT.contains(n) && !n.startsWith(".") && !n.isEmpty()) {
                foreign.add(n);
            }
        }
        return foreign;
    }

    /**
     * Writes one whole file of the output atomically, e.g. {@code pca-model.json} or
     * {@code report.html}.
     *
     * @param relativePath path under the output root, {@code /}-separated
     * @return the file as the manifest lists it (0 rows: not a table)
     */
    public static PartFile writeFile(String outputUri, String relativePath, byte[] bytes, StorageOptions options) {
        String root = Storages.normalize(outputUri);
        PartFile file = new PartFile(relativePath, 0, bytes.length);
        if (relativePath.equals(SUCCESS)) {
            throw new IllegalArgumentException(SUCCESS + " is written by commit(), not writeFile()");
        }
        String uri = Storage.join(root, relativePath);
        try {
            Storages.forUri(root, options).write(uri, bytes);
        } catch (IOException e) {
            throw new StorageException(uri, "Cannot write " + uri + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** {@link #writeFile} for UTF-8 text. */
    public static PartFile writeFile(String outputUri, String relativePath, String text, StorageOptions options) {
        return writeFile(outputUri, relativePath, text.getBytes(StandardCharsets.UTF_8), options);
    }

    /**
     * Commits the output: checks every file the manifest lists exists, adds the files written
     * with {@link #writeFile} that it does not list (as 0-row files), and writes {@code _SUCCESS}
     * last. The written manifest lists exactly the files that exist.
     *
     * @param manifest counts, configuration and the part files {@link Sink}'s writers returned
     * @return the manifest as written
     * @throws IllegalStateException if a listed file is missing, or an unlisted part file exists
     *                               (a part file must come from this run's writers)
     */
    public static Manifest commit(String outputUri, Manifest manifest, StorageOptions options) {
        String root = Storages.normalize(outputUri);
        Storage storage = Storages.forUri(root, options);
        Map<String, Long> present = new HashMap<>();
        if (!isEmpty(storage, root)) {
            for (StoredObject o : storage.list(prefix(root))) {
                String rel = relative(root, o.uri());
                if (!rel.equals(SUCCESS) && !isHidden(rel)) {
                    present.put(rel, o.size());
                }
            }
        }
        List<PartFile> files = new ArrayList<>();
        for (PartFile f : manifest.files()) {
            Long size = present.remove(f.path());
            if (size == null) {
                throw new IllegalStateException("Cannot commit " + root + ": " + f.path()
                        + " is listed but does not exist");
            }
            if (size != f.bytes()) {
                // A speculative attempt of the same partition replaced the file: same rows, and
                // the manifest must describe the file that is there.
                LOG.warn("{} is {} bytes, not the {} its writer reported: another attempt replaced it",
                        f.path(), size, f.bytes());
            }
            files.add(new PartFile(f.path(), f.rows(), size));
        }
        for (Map.Entry<String, Long> e : present.entrySet()) {
            if (isPartFile(e.getKey())) {
                throw new IllegalStateException("Cannot commit " + root + ": part file " + e.getKey()
                        + " was not written by this run's writers (pass every writer's files to the manifest)");
            }
            files.add(new PartFile(e.getKey(), 0, e.getValue()));
        }
        Manifest done = manifest.withFiles(files);
        String uri = Storage.join(root, SUCCESS);
        try {
            storage.write(uri, done.toJson().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StorageException(uri, "Cannot write " + uri + ": " + e.getMessage(), e);
        }
        return done;
    }

    /** Whether {@code outputUri} holds a {@code _SUCCESS} manifest. */
    public static boolean isCommitted(String outputUri, StorageOptions options) {
        String root = Storages.normalize(outputUri);
        try {
            return Storages.forUri(root, options).exists(Storage.join(root, SUCCESS));
        } catch (IOException e) {
            throw new StorageException(root, "Cannot read " + root + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Storage storage, String root) {
        try {
            return storage.isEmptyPrefix(prefix(root));
        } catch (IOException e) {
            throw new StorageException(root, "Cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    static boolean isPartFile(String rel) {
        return rel.matches("(features|pca|errors|changes)/part-\\d{5,}\\.(parquet|csv)");
    }

    /** A temporary file of an unfinished atomic write: some path segment starts with a dot. */
    static boolean isHidden(String rel) {
        for (String segment : rel.split("/")) {
            if (segment.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The root as a folder prefix, ending in {@code /}, so {@code s3://b/out} never matches {@code s3://b/out2}. */
    static String prefix(String root) {
        return root.endsWith("/") ? root : root + "/";
    }

    /** {@code uri} relative to {@code root}; both normalized. */
    static String relative(String root, String uri) {
        String prefix = prefix(root);
        if (!uri.startsWith(prefix)) {
            throw new IllegalStateException("listed object " + uri + " is not under " + root);
        }
        return uri.substring(prefix.length());
    }
}
