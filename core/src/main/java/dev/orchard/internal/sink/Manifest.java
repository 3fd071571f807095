package dev.orchard.internal.sink;

import dev.orchard.OutputFormat;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;

/**
 * The {@code _SUCCESS} manifest of a committed output: what the run counted, every file it wrote
 * with its row count and size, and the configuration it ran with. Its presence means the output
 * is complete; {@link OutputCommitter#commit} writes it last.
 *
 * <pre>{@code
 * {"version": 1, "createdAt": "2025-01-01T12:00:00Z",
 *  "counts": {"listed": 10, "reused": 0, "featurized": 9, "failed": 1, "retired": 0},
 *  "files": [{"path": "features/part-00000.parquet", "rows": 9, "bytes": 1234}, ...],
 *  "configuration": {"k": 50, ...},
 *  "continuedFrom": []}
 * }</pre>
 *
 * @param version       manifest format version, {@link #VERSION}
 * @param createdAt     ISO-8601 instant the manifest was made
 * @param counts        images listed, featurized and failed
 * @param files         every file of the output but {@code _SUCCESS}, sorted by path
 * @param configuration the run's settings, as JSON-able values (strings, numbers, booleans,
 *                      lists, maps, null)
 * @param continuedFrom the committed outputs an incremental run continued from (their roots), each of which
 *                      may name its own; empty for a full run (and in manifests written before the field)
 */
public record Manifest(int version, String createdAt, Counts counts, List<PartFile> files,
        Map<String, Object> configuration, List<String> continuedFrom) implements Serializable {

    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Image counts of a run; {@code listed == reused + featurized + failed}, always.
     *
     * @param listed     images found under the input
     * @param reused     unchanged images whose features an earlier output holds (incremental runs; else 0):
     *                   not fetched, not featurized, not written again
     * @param featurized images turned into feature vectors by this run
     * @param failed     images that became error records in this run
     * @param retired    images of the earlier outputs no longer listed (incremental runs; else 0)
     */
    public record Counts(long listed, long reused, long featurized, long failed, long retired)
            implements Serializable {
        public Counts {
            if (listed < 0 || reused < 0 || featurized < 0 || failed < 0 || retired < 0) {
                throw new IllegalArgumentException("counts must be >= 0 but were listed=" + listed + ", reused="
                        + reused + ", featurized=" + featurized + ", failed=" + failed + ", retired=" + retired);
            }
            if (listed != reused + featurized + failed) {
                throw new IllegalArgumentException("listed must equal reused + featurized + failed but " + listed
                        + " != " + reused + " + " + featurized + " + " + failed
                        + ": an image was lost or counted twice");
            }
        }

        /** Counts of a full (not incremental) run. */
        public Counts(long listed, long featurized, long failed) {
            this(listed, 0, featurized, failed, 0);
        }
    }

    public Manifest {
        Objects.requireNonNull(createdAt, "createdAt");
        continuedFrom = continuedFrom == null ? List.of() : List.copyOf(continuedFrom);
        Objects.requireNonNull(counts, "counts");
        List<PartFile> sorted = new ArrayList<>(Objects.requireNonNull(files, "files"));
        sorted.sort(Comparator.comparing(PartFile::path));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
                throw new IllegalArgumentException("file " + sorted.get(i).path() + " is listed twice");
            }
        }
        files = Collections.unmodifiableList(sorted);
        configuration = Collections.unmodifiableMap(new LinkedHashMap<>(
                configuration == null ? Map.of() : configuration));
    }

    /** A manifest of a full run, without {@code continuedFrom}. */
    public Manifest(int version, String createdAt, Counts counts, List<PartFile> files,
            Map<String, Object> configuration) {
        this(version, createdAt, counts, files, configuration, List.of());
    }

    /** A manifest made now, with no files yet (see {@link #withFiles}). */
    public static Manifest of(Counts counts, Map<String, Object> configuration) {
        return new Manifest(VERSION, Instant.now().toString(), counts, List.of(), configuration, List.of());
    }

    /** This manifest listing {@code newFiles} instead of its files. */
    public Manifest withFiles(List<PartFile> newFiles) {
        return new Manifest(version, createdAt, counts, newFiles, configuration, continuedFrom);
    }

    /** This manifest naming the outputs it continued from (roots, as given). */
    public Manifest withContinuedFrom(List<String> outputs) {
        return new Manifest(version, createdAt, counts, files, configuration, outputs);
    }

    /** The files under {@code folder} ({@code features}, {@code pca}, {@code errors}). */
    public List<PartFile> filesIn(String folder) {
        String prefix = folder.endsWith("/") ? folder : folder + "/";
        return files.stream().filter(f -> f.path().startsWith(prefix)
                && f.path().indexOf('/', prefix.length()) < 0).toList();
    }

    /** Total rows of the files under {@code folder} in one format ({@code parquet} or {@code csv}). */
    public long rows(String folder, OutputFormat format) {
        return filesIn(folder).stream().filter(f -> f.path().endsWith("." + format.extension()))
                .mapToLong(PartFile::rows).sum();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("configuration holds a value that is not JSON-able: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** @throws IllegalArgumentException if {@code json} is not a manifest */
    public static Manifest fromJson(String json) {
        try {
            return JSON.readValue(json, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an Orchard _SUCCESS manifest: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads the {@code _SUCCESS} manifest of the output at {@code outputUri}.
     *
     * @throws StorageException if there is none: the output is incomplete or not an Orchard output
     */
    public static Manifest read(String outputUri, StorageOptions options) {
        String root = Storages.normalize(outputUri);
        String uri = Storage.join(root, OutputCommitter.SUCCESS);
        Storage storage = Storages.forUri(root, options);
        try {
            if (!storage.exists(uri)) {
                throw new StorageException(uri, "No " + OutputCommitter.SUCCESS + " manifest in " + root
                        + ": the run that wrote it did not finish, or it is not an Orchard output");
            }
            return fromJson(new String(storage.readAllBytes(uri), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + uri + ": " + e.getMessage(), e);
        }
    }
}
