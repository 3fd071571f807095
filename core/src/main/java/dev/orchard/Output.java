package dev.orchard;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orchard.internal.incremental.FeatureSpecs;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.internal.sink.PartFile;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.storage.Storages;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A committed output in Orchard's layout ({@code features/}, {@code errors/}, {@code pca/}, {@code pca-model.json},
 * any extra files, and {@code _SUCCESS} written last): opened with {@link Orchard#output}, written by
 * distributed part-file writers (no Spark SQL; retried or speculative tasks never leave duplicates), and
 * visible as complete only after {@link #commit}. Closing without committing leaves no {@code _SUCCESS}, so a
 * failed job's output never looks complete.
 *
 * <pre>{@code
 * try (Output out = orchard.output(uri).formats(OutputFormat.PARQUET).open()) {
 *     out.write(featurization);                 // features/ + errors/, checked: listed == featurized + failed
 *     out.write(pca, pca.transform(featurization.features()));
 *     out.commit();
 * }
 * }</pre>
 * Not thread-safe.
 */
public final class Output implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Output.class);

    private final String uri;
    private final StorageOptions storage;
    private final Set<OutputFormat> formats;
    private final List<PartFile> files = new ArrayList<>();
    private long listed = -1;
    private long featurized = -1;
    private long failed = -1;
    private long projected = -1;
    private long reused;
    private long retired;
    private List<String> continuedFrom = List.of();
    private Map<String, String> featureSpec;
    private boolean committed;
    private boolean closed;

    private Output(String uri, StorageOptions storage, Set<OutputFormat> formats) {
        this.uri = uri;
        this.storage = storage;
        this.formats = formats;
    }

    /** The output's normalized URI. */
    public String uri() {
        return uri;
    }

    /** The formats part files are written in. */
    public Set<OutputFormat> formats() {
        return EnumSet.copyOf(formats);
    }

    /**
     * Writes {@code features/} and {@code errors/} of a featurization (running it if it has not run) in one pass
     * over its results, which also tallies the featurization's counts, per-label counts and failures, and checks
     * that every image is accounted for: rows written = {@code listed == featurized + failed}.
     *
     * @throws IllegalStateException if the counts do not reconcile (nothing is committed)
     */
    public void write(Featurization f) {
        requireOpen();
        Sink.FeaturizedParts parts = Sink.writeFeaturized(f.results(), uri, formats, storage);
        files.addAll(parts.features());
        files.addAll(parts.errors());
        featurized = rows(parts.features());
        failed = rows(parts.errors());
        f.tallied(parts.tally());
        if (featurized != f.featurized() || failed != f.failed()) {
            throw new IllegalStateException("Reconciliation failed: listed " + f.listed() + " but wrote " + featurized
                    + " feature rows + " + failed + " error rows; output not committed");
        }
        listed = f.listed();
        featureSpec = f.model().featureSpec();
    }

    /**
     * Writes an incremental run: {@code features/} and {@code errors/} of a featurization of
     * {@link ListingDiff#toFeaturize()}, and {@code changes/} (the changed and retired images); the manifest will
     * record {@code continuedFrom} and the counts {@code listed == reused + featurized + failed}, {@code retired}.
     *
     * @throws IllegalStateException if the counts do not reconcile (nothing is committed)
     */
    public void write(Featurization f, ListingDiff diff) {
        write(f);
        requireOpen();
        List<PartFile> parts = Sink.writeChanges(diff.changes(), uri, formats, storage);
        files.addAll(parts);
        if (diff.countUnchanged() + featurized + failed != diff.countListed()
                || rows(parts) != diff.countChanged() + diff.countRetired()) {
            throw new IllegalStateException("Reconciliation failed: listed " + diff.countListed() + " but reused "
                    + diff.countUnchanged() + " + featurized " + featurized + " + failed " + failed + " (changes: "
                    + rows(parts) + " rows for " + diff.countChanged() + " changed + " + diff.countRetired()
                    + " retired); output not committed");
        }
        listed = diff.countListed();
        reused = diff.countUnchanged();
        retired = diff.countRetired();
        continuedFrom = diff.continuedFrom();
    }

    /** Writes {@code features/} from any feature RDD; returns the rows written. */
    public long writeFeatures(JavaRDD<FeatureRecord> features) {
        requireOpen();
        List<PartFile> parts = Sink.writeFeatures(features, uri, formats, storage);
        files.addAll(parts);
        featurized = rows(parts);
        return featurized;
    }

    /** Writes {@code errors/} (always present, possibly with no rows); returns the rows written. */
    public long writeErrors(JavaRDD<ErrorRecord> errors) {
        requireOpen();
        List<PartFile> parts = Sink.writeErrors(errors, uri, formats, storage);
        files.addAll(parts);
        failed = rows(parts);
        return failed;
    }

    /** Writes {@code pca/} from the projections and {@code pca-model.json} from the model; returns the rows. */
    public long write(PcaModel model, JavaRDD<PcaRecord> projections) {
        requireOpen();
        List<PartFile> parts = Sink.writePca(projections, uri, formats, storage);
        files.addAll(parts);
        writeFile("pca-model.json", model.toJson().getBytes(UTF_8));
        projected = rows(parts);
        return projected;
    }

    /** Writes one extra file (e.g. {@code report.json}) at a path relative to the output. */
    public void writeFile(String relativePath, byte[] bytes) {
        requireOpen();
        OutputCommitter.writeFile(uri, relativePath, bytes, storage);
    }

    /** {@link #commit(Map)} with no configuration recorded. */
    public void commit() {
        commit(Map.of());
    }

    /**
     * Writes the {@code _SUCCESS} manifest, last: counts {@code {listed, reused, featurized, failed, retired}},
     * every file with its rows and size, {@code configuration} (with the written features' {@code featureSpec}
     * added), and {@code continuedFrom} for an incremental run. Counts come from what was written: a {@link #write(Featurization)}
     * gives all three; otherwise features (or, with only projections written, projections) count as featurized
     * and errors as failed.
     *
     * @throws IllegalStateException if a part file not written by this output is present, or a written one is
     *                               missing (nothing is committed)
     */
    public void commit(Map<String, Object> configuration) {
        requireOpen();
        long ok = featurized >= 0 ? featurized : Math.max(0, projected);
        long bad = Math.max(0, failed);
        long all = listed >= 0 ? listed : ok + bad;
        Map<String, Object> config = new LinkedHashMap<>(configuration);
        if (featureSpec != null) {
            config.putIfAbsent(FeatureSpecs.KEY, featureSpec);
        }
        Manifest manifest = Manifest.of(new Manifest.Counts(all, reused, ok, bad, retired), config)
                .withFiles(files).withContinuedFrom(continuedFrom);
        OutputCommitter.commit(uri, manifest, storage);
        committed = true;
    }

    /** Whether {@link #commit} succeeded. */
    public boolean committed() {
        return committed;
    }

    private long rows(List<PartFile> parts) {
        String ext = formats.contains(OutputFormat.PARQUET) ? ".parquet" : ".csv";
        return parts.stream().filter(p -> p.path().endsWith(ext)).mapToLong(PartFile::rows).sum();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Output is closed");
        }
        if (committed) {
            throw new IllegalStateException("this Output is committed: " + uri);
        }
    }

    /** Ends writing; an uncommitted output keeps its part files but no {@code _SUCCESS} (it is incomplete). */
    @Override
    public void close() {
        if (!closed && !committed) {
            LOG.warn("Output {} closed without commit: it has no _SUCCESS and must not be read as complete", uri);
        }
        closed = true;
    }

    /** Configures an {@link Output}; {@link #open} prepares the location. */
    public static final class Builder {
        private final String uri;
        private final StorageOptions storage;
        private Set<OutputFormat> formats = EnumSet.of(OutputFormat.PARQUET);
        private boolean overwrite;

        Builder(JavaSparkContext sc, String uri, StorageOptions storage) {
            Objects.requireNonNull(sc, "sc");
            this.uri = Storages.normalize(Objects.requireNonNull(uri, "uri"));
            this.storage = storage;
        }

        /** Part file formats (default Parquet). */
        public Builder formats(Set<OutputFormat> set) {
            if (set.isEmpty()) {
                throw new IllegalArgumentException("at least one output format is needed");
            }
            this.formats = EnumSet.copyOf(set);
            return this;
        }

        /** Part file formats (default Parquet). */
        public Builder formats(OutputFormat first, OutputFormat... more) {
            return formats(EnumSet.of(first, more));
        }

        /**
         * Replace an existing Orchard output there (its {@code _SUCCESS} is deleted first). Default false: a
         * non-empty location is refused with {@link OutputExistsException}.
         */
        public Builder overwrite(boolean on) {
            this.overwrite = on;
            return this;
        }

        /**
         * Makes the location ready: empty or missing is fine; a non-empty one needs {@link #overwrite}.
         *
         * @throws OutputExistsException if it is not empty and overwrite is off, or holds non-Orchard files
         * @throws StorageException if it cannot be reached
         */
        public Output open() {
            OutputCommitter.prepare(uri, overwrite, storage);
            return new Output(uri, storage, formats);
        }
    }
}
