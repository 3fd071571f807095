package dev.orchard.internal.sink;

import dev.orchard.OutputFormat;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import dev.orchard.internal.featurize.Featurized;
import dev.orchard.internal.featurize.Tally;
import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.StoredObject;
import dev.orchard.internal.storage.Storages;

/**
 * Writes and reads the three output tables, {@code features/}, {@code pca/} and {@code errors/},
 * as per-partition part files, without Spark SQL, on local disk or S3.
 *
 * <p>Each writer runs one Spark job: every partition streams its rows once into
 * {@code <table>/part-%05d.<ext>} (named by partition index, so a retried or speculative task
 * replaces its own file instead of adding one), uploaded atomically; only the small list of
 * {@link PartFile}s comes back to the driver, to be passed to {@link OutputCommitter#commit}.
 * An empty partition writes no file. With both formats, each partition writes both
 * {@code part-N.parquet} and {@code part-N.csv} from the same single pass over its rows.
 *
 * <p>Layout of the files (see ARCHITECTURE.md): Parquet, Snappy-compressed,
 * <pre>
 * message orchard_features {
 *   required binary image_id (STRING);
 *   required binary label (STRING);
 *   required int32 label_index;
 *   optional group features (LIST) { repeated group list { required float element; } }
 * }</pre>
 * ({@code pca}: a list of double; {@code errors}: {@code image_id}, {@code reason}); CSV with a
 * header row {@code image_id,label,label_index,f_0,…} ({@code pc_0,…}; {@code image_id,reason}),
 * RFC 4180 quoting, numbers as {@link Float#toString}/{@link Double#toString} so they read back
 * exactly.
 */
public final class Sink {

    private static final Logger LOG = LoggerFactory.getLogger(Sink.class);

    private Sink() {}

    /** Writes {@code <output>/features/}; returns the files written, sorted by path. */
    public static List<PartFile> writeFeatures(JavaRDD<FeatureRecord> rdd, String outputUri,
            Set<OutputFormat> formats, StorageOptions options) {
        return write(rdd, outputUri, Table.FEATURES, formats, options);
    }

    /** Writes {@code <output>/pca/}; returns the files written, sorted by path. */
    public static List<PartFile> writePca(JavaRDD<PcaRecord> rdd, String outputUri, Set<OutputFormat> formats,
            StorageOptions options) {
        return write(rdd, outputUri, Table.PCA, formats, options);
    }

    /**
     * Writes {@code <output>/errors/}; returns the files written, sorted by path. A run without failed
     * images still gets the folder: one part file with no rows (Parquet schema, CSV header), so readers of
     * {@code errors/} need no special case.
     */
    public static List<PartFile> writeErrors(JavaRDD<ErrorRecord> rdd, String outputUri,
            Set<OutputFormat> formats, StorageOptions options) {
        List<PartFile> files = write(rdd, outputUri, Table.ERRORS, formats, options);
        return files.isEmpty() ? writeEmpty(outputUri, Table.ERRORS, formats, options) : files;
    }

    /**
     * Writes {@code <output>/changes/} (an incremental run's changed and retired images); returns the files
     * written. Like {@code errors/}, the folder always exists, with an empty part file when nothing changed.
     */
    public static List<PartFile> writeChanges(JavaRDD<ChangeRecord> rdd, String outputUri,
            Set<OutputFormat> formats, StorageOptions options) {
        List<PartFile> files = write(rdd, outputUri, Table.CHANGES, formats, options);
        return files.isEmpty() ? writeEmpty(outputUri, Table.CHANGES, formats, options) : files;
    }

    private static <T> List<PartFile> writeEmpty(String outputUri, Table<T> table, Set<OutputFormat> formats,
            StorageOptions options) {
        List<PartFile> empty = new ArrayList<>();
        for (PartWriter.WrittenPart p : PartWriter.writePartition(0, java.util.Collections.emptyIterator(),
                Storages.normalize(outputUri), table, EnumSet.copyOf(formats), options, true)) {
            empty.add(p.file());
        }
        empty.sort(Comparator.comparing(PartFile::path));
        return empty;
    }

    /**
     * What {@link #writeFeaturized} wrote: the {@code features/} and {@code errors/} files (errors always has
     * at least one, possibly with no rows), and the tally of the outcomes taken in the same pass.
     */
    public record FeaturizedParts(List<PartFile> features, List<PartFile> errors, Tally tally) {}

    /** One partition's share of {@link FeaturizedParts}. */
    private record PartitionParts(List<PartWriter.WrittenPart> features, List<PartWriter.WrittenPart> errors,
                                  Tally tally) implements Serializable {}

    /**
     * Writes {@code <output>/features/} and {@code <output>/errors/} from featurization outcomes in one Spark
     * job: each partition's outcomes are consumed once, into its features part and its errors part, and tallied
     * on the way, so the counts a report needs cost no further pass over the results (nor a cache of them).
     */
    public static FeaturizedParts writeFeaturized(JavaRDD<Featurized> rdd, String outputUri,
            Set<OutputFormat> formats, StorageOptions options) {
        Objects.requireNonNull(rdd, "rdd");
        Objects.requireNonNull(options, "options");
        EnumSet<OutputFormat> fmts = checkFormats(formats);
        String root = Storages.normalize(outputUri);
        List<PartitionParts> parts = inJob(rdd, "write " + Table.FEATURES.folder() + " and " + Table.ERRORS.folder()
                + " (" + fmts + ") to " + root, () -> rdd.mapPartitionsWithIndex((index, outcomes) -> {
                    Tally tally = new Tally();
                    try (PartWriter<FeatureRecord> features = new PartWriter<>(index, root, Table.FEATURES, fmts,
                            options);
                         PartWriter<ErrorRecord> errors = new PartWriter<>(index, root, Table.ERRORS, fmts, options)) {
                        while (outcomes.hasNext()) {
                            Featurized f = outcomes.next();
                            tally.add(f);
                            if (f.isOk()) {
                                features.write(f.features());
                            } else {
                                errors.write(f.error());
                            }
                        }
                        return List.of(new PartitionParts(features.finish(false), errors.finish(false), tally))
                                .iterator();
                    }
                }, false).collect());
        Tally tally = new Tally();
        List<PartWriter.WrittenPart> features = new ArrayList<>();
        List<PartWriter.WrittenPart> errors = new ArrayList<>();
        for (PartitionParts p : parts) { // collect() keeps partition order: the tally's examples are the first ones
            tally.merge(p.tally());
            features.addAll(p.features());
            errors.addAll(p.errors());
        }
        List<PartFile> errorFiles = files(Table.ERRORS, errors, root, fmts);
        return new FeaturizedParts(files(Table.FEATURES, features, root, fmts),
                errorFiles.isEmpty() ? writeEmpty(outputUri, Table.ERRORS, formats, options) : errorFiles, tally);
    }

    private static <T> List<PartFile> write(JavaRDD<T> rdd, String outputUri, Table<T> table,
            Set<OutputFormat> formats, StorageOptions options) {
        Objects.requireNonNull(rdd, "rdd");
        Objects.requireNonNull(options, "options");
        EnumSet<OutputFormat> fmts = checkFormats(formats);
        String root = Storages.normalize(outputUri);
        List<PartWriter.WrittenPart> parts = inJob(rdd, "write " + table.folder() + " (" + fmts + ") to " + root,
                () -> rdd.mapPartitionsWithIndex((index, rows) -> PartWriter.writePartition(index, rows, root, table,
                        fmts, options).iterator(), false).collect());
        return files(table, parts, root, fmts);
    }

    private static EnumSet<OutputFormat> checkFormats(Set<OutputFormat> formats) {
        if (formats == null || formats.isEmpty()) {
            throw new IllegalArgumentException("formats must name at least one of " + EnumSet.allOf(OutputFormat.class)
                    + " but was " + formats);
        }
        return EnumSet.copyOf(formats);
    }

    /** Runs {@code job} with Spark's job description set to {@code "Orchard: " + what}, then restores it. */
    private static <R> R inJob(JavaRDD<?> rdd, String what, Supplier<R> job) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(rdd.context());
        String previous = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("Orchard: " + what);
        try {
            return job.get();
        } finally {
            sc.setLocalProperty("spark.job.description", previous);
        }
    }

    /** The files of a table's written parts, sorted by path, after checking every part has the same width. */
    private static List<PartFile> files(Table<?> table, List<PartWriter.WrittenPart> parts, String root,
            Set<OutputFormat> fmts) {
        Set<Integer> widths = new TreeSet<>();
        List<PartFile> files = new ArrayList<>();
        for (PartWriter.WrittenPart p : parts) {
            widths.add(p.width());
            files.add(p.file());
        }
        if (widths.size() > 1) {
            throw new IllegalArgumentException(table.folder() + " vectors have different lengths " + widths
                    + " in different partitions: every vector of a table must have the same length");
        }
        files.sort(Comparator.comparing(PartFile::path));
        LOG.info("Wrote {} {} rows in {} files under {}", files.stream().mapToLong(PartFile::rows).sum()
                / fmts.size(), table.folder(), files.size(), root);
        return files;
    }

    /**
     * Reads a {@code features/} folder of Parquet or CSV part files (Parquet when it holds both)
     * as an RDD with one partition per file; the files are read on the executors, streaming.
     * When the folder's output has a {@code _SUCCESS} manifest, only the files it lists are read.
     *
     * @param featuresUri e.g. {@code s3://bucket/run-1/features}
     * @throws StorageException  if the folder cannot be listed or holds no part files
     */
    public static JavaRDD<FeatureRecord> readFeatures(JavaSparkContext sc, String featuresUri,
            StorageOptions options) {
        return read(sc, featuresUri, Table.FEATURES, options);
    }

    /** Reads an {@code errors/} folder like {@link #readFeatures}. */
    public static JavaRDD<ErrorRecord> readErrors(JavaSparkContext sc, String errorsUri, StorageOptions options) {
        return read(sc, errorsUri, Table.ERRORS, options);
    }

    /**
     * Reads a {@code changes/} folder like {@link #readFeatures}; an output without one (a full run, or
     * written before the folder existed) reads as empty.
     */
    public static JavaRDD<ChangeRecord> readChanges(JavaSparkContext sc, String changesUri, StorageOptions options) {
        return read(sc, changesUri, Table.CHANGES, options);
    }

    /** Reads a whole {@code changes/} folder on this JVM (for small outputs: tests, reports). */
    public static List<ChangeRecord> readChangeFolder(String folderUri, StorageOptions options) {
        return readFolder(folderUri, Table.CHANGES, options);
    }

    /** Reads a {@code pca/} folder like {@link #readFeatures}. */
    public static JavaRDD<PcaRecord> readPca(JavaSparkContext sc, String pcaUri, StorageOptions options) {
        return read(sc, pcaUri, Table.PCA, options);
    }

    private static <T> JavaRDD<T> read(JavaSparkContext sc, String folderUri, Table<T> table,
            StorageOptions options) {
        List<String> files = partFiles(folderUri, options);
        if (files.isEmpty()) {
            return sc.emptyRDD();
        }
        return sc.parallelize(files, files.size()).flatMap(uri -> {
            PartReader<T> reader = PartReader.open(uri, table, options);
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> reader.close());
            }
            return reader;
        });
    }

    /** Reads one features part file (Parquet or CSV, by its extension) on this JVM. */
    public static List<FeatureRecord> readFeatureFile(String fileUri, StorageOptions options) {
        return readFile(fileUri, Table.FEATURES, options);
    }

    /** Reads one pca part file on this JVM. */
    public static List<PcaRecord> readPcaFile(String fileUri, StorageOptions options) {
        return readFile(fileUri, Table.PCA, options);
    }

    /** Reads one errors part file on this JVM. */
    public static List<ErrorRecord> readErrorFile(String fileUri, StorageOptions options) {
        return readFile(fileUri, Table.ERRORS, options);
    }

    /** Reads a whole {@code features/} folder on this JVM (for small outputs: tests, reports). */
    public static List<FeatureRecord> readFeatureFolder(String folderUri, StorageOptions options) {
        return readFolder(folderUri, Table.FEATURES, options);
    }

    /** Reads a whole {@code pca/} folder on this JVM (for small outputs: tests, reports). */
    public static List<PcaRecord> readPcaFolder(String folderUri, StorageOptions options) {
        return readFolder(folderUri, Table.PCA, options);
    }

    /** Reads a whole {@code errors/} folder on this JVM (for small outputs: tests, reports). */
    public static List<ErrorRecord> readErrorFolder(String folderUri, StorageOptions options) {
        return readFolder(folderUri, Table.ERRORS, options);
    }

    private static <T> List<T> readFile(String fileUri, Table<T> table, StorageOptions options) {
        List<T> out = new ArrayList<>();
        try (PartReader<T> r = PartReader.open(Storages.normalize(fileUri), table, options)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    private static <T> List<T> readFolder(String folderUri, Table<T> table, StorageOptions options) {
        List<T> out = new ArrayList<>();
        for (String uri : partFiles(folderUri, options)) {
            try (PartReader<T> r = PartReader.open(uri, table, options)) {
                r.forEachRemaining(out::add);
            }
        }
        return out;
    }

    /**
     * The part files of a table folder, sorted: those the output's {@code _SUCCESS} lists when
     * it has one, else every {@code part-*.parquet} / {@code part-*.csv} in it; Parquet files
     * when there are any, else CSV.
     */
    static List<String> partFiles(String folderUri, StorageOptions options) {
        String folder = Storages.normalize(folderUri);
        int slash = folder.lastIndexOf('/');
        String parent = folder.substring(0, slash);
        String name = folder.substring(slash + 1);
        Storage storage = Storages.forUri(folder, options);
        List<String> all = new ArrayList<>();
        boolean committed;
        try {
            committed = !parent.endsWith("/") && !parent.endsWith(":/")
                    && storage.exists(Storage.join(parent, OutputCommitter.SUCCESS));
        } catch (IOException e) {
            throw new StorageException(folder, "Cannot read " + folder + ": " + e.getMessage(), e);
        }
        if (committed) {
            Manifest m = Manifest.read(parent, options);
            for (PartFile f : m.filesIn(name)) {
                all.add(Storage.join(parent, f.path()));
            }
        } else {
            List<StoredObject> listed;
            try {
                listed = storage.list(OutputCommitter.prefix(folder));
            } catch (StorageException e) {
                throw new StorageException(folder, "Cannot list part files in " + folder + ": " + e.getMessage()
                        + " (pass the " + name + "/ folder of an earlier Orchard run)", e);
            }
            for (StoredObject o : listed) {
                String rel = OutputCommitter.relative(folder, o.uri());
                if (rel.matches("part-\\d{5,}\\.(parquet|csv)")) {
                    all.add(o.uri());
                }
            }
            if (all.isEmpty()) {
                throw new StorageException(folder, "No part files (part-NNNNN.parquet or .csv) in " + folder
                        + ": pass the " + name + "/ folder of an earlier Orchard run");
            }
            LOG.warn("No {} beside {}: reading every part file in it, though the run that wrote them may not "
                    + "have finished", OutputCommitter.SUCCESS, folder);
        }
        List<String> parquet = all.stream().filter(PartReader::isParquet).sorted().toList();
        return parquet.isEmpty() ? all.stream().filter(PartReader::isCsv).sorted().toList() : parquet;
    }
}
