package dev.orchard.job;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.Orchard;
import dev.orchard.featurize.Featurized;
import dev.orchard.featurize.Featurizer;
import dev.orchard.model.ExecutorModels;
import dev.orchard.model.ModelPackage;
import dev.orchard.pca.Pca;
import dev.orchard.pca.PcaModel;
import dev.orchard.report.RunReport;
import dev.orchard.report.StageTimer;
import dev.orchard.sink.Manifest;
import dev.orchard.sink.OutputCommitter;
import dev.orchard.sink.OutputFormat;
import dev.orchard.sink.PartFile;
import dev.orchard.sink.Sink;
import dev.orchard.source.ImageListing;
import dev.orchard.source.ImageRef;
import dev.orchard.source.ImageSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * The whole pipeline, top to bottom: source → model → featurize → pca → sink → report. Each step is one
 * call into its {@code core} stage; this class only wires them and keeps the books (timings, counts,
 * the list of files for the manifest).
 *
 * <p>The CNN runs once per image: featurization results are persisted, and every later step (errors,
 * PCA fit, projection) reads the persisted partitions.
 */
final class Pipeline {

    /** Outcome of a run: where it went and what it counted. */
    record Result(String output, long listed, long featurized, long failed, long inferences, RunReport report) {}

    private final JobConfig cfg;
    private final JavaSparkContext sc;
    private final Progress progress;

    Pipeline(JobConfig cfg, JavaSparkContext sc, Progress progress) {
        this.cfg = cfg;
        this.sc = sc;
        this.progress = progress;
    }

    /** {@code run} (withPca) and {@code featurize}. */
    Result featurize(boolean withPca) {
        StageTimer timer = new StageTimer();
        List<PartFile> files = new ArrayList<>();
        OutputCommitter.prepare(cfg.output(), cfg.overwrite(), cfg.storage());

        progress.stage("list", cfg.input());
        ImageListing listing = timer.time("list", () -> ImageSource.list(cfg.input(), cfg.storage()));
        progress.info("listed " + listing.size() + " images in " + listing.labels().size() + " classes");

        progress.stage("model", cfg.model());
        ModelPackage pkg = timer.time("model", () ->
                ModelPackage.fromUri(cfg.model(), cfg.storage(), cfg.modelOverrides()));
        Broadcast<ModelPackage> model = sc.broadcast(pkg);

        LongAccumulator inferences = sc.sc().longAccumulator("orchard.inferences");
        JavaRDD<ImageRef> images = ImageSource.parallelize(sc, listing, cfg.maxPartitionSize());
        JavaRDD<Featurized> featurized = Featurizer.featurize(images, model, cfg.featurize(), inferences)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        JavaRDD<FeatureRecord> features = featurized.filter(Featurized::isOk).map(Featurized::features);
        JavaRDD<ErrorRecord> errors = featurized.filter(f -> !f.isOk()).map(Featurized::error);

        progress.stage("featurize", listing.size() + " images");
        List<PartFile> featureFiles = timer.time("featurize", () ->
                Sink.writeFeatures(features, cfg.output(), cfg.formats(), cfg.storage()));
        files.addAll(featureFiles);
        List<PartFile> errorFiles = timer.time("errors", () ->
                Sink.writeErrors(errors, cfg.output(), cfg.formats(), cfg.storage()));
        files.addAll(errorFiles);
        long featurizedCount = rows(featureFiles, cfg.formats());
        long failedCount = rows(errorFiles, cfg.formats());
        if (featurizedCount + failedCount != listing.size()) {
            throw new IllegalStateException("Reconciliation failed: listed " + listing.size() + " but featurized "
                    + featurizedCount + " + failed " + failedCount + "; output not committed");
        }

        RunReport report = new RunReport(cfg.command(), Orchard.VERSION)
                .put("configuration", cfg.describe())
                .counts(listing.size(), featurizedCount, failedCount)
                .put("classes", listing.labels().size())
                .put("ignoredObjects", listing.ignored())
                .throughput(listing.size(), timer.seconds("featurize"), sc.defaultParallelism())
                .put("modelSpec", pkg.spec());
        if (failedCount > 0) {
            failureSummary(errors, report);
        }

        if (withPca && featurizedCount >= 2) {
            progress.stage("pca", featurizedCount + " vectors of " + pkg.spec().featureDim());
            PcaModel pca = timer.time("pca-fit", () -> Pca.fitFloat(features.map(FeatureRecord::features), cfg.pca()));
            progress.stage("project", "k = " + pca.k());
            files.addAll(timer.time("pca-project", () ->
                    Sink.writePca(Pca.project(sc, pca, features), cfg.output(), cfg.formats(), cfg.storage())));
            OutputCommitter.writeFile(cfg.output(), "pca-model.json", pca.toJson().getBytes(UTF_8), cfg.storage());
            report.pca(pca.inputDimension(), pca.k(), pca.explainedVarianceRatio());
        } else if (withPca) {
            progress.info("PCA skipped: fewer than 2 images were featurized");
        }
        report.put("inferences", inferences.value());
        featurized.unpersist(false);
        ExecutorModels.evict(model); // local mode: the driver is the executor; free its TensorFlow session now
        model.destroy(false);

        return commit(report, timer, files, listing.size(), featurizedCount, failedCount, inferences.value());
    }

    /** {@code pca}: fit on existing features and write projections + model. */
    Result pca() {
        StageTimer timer = new StageTimer();
        List<PartFile> files = new ArrayList<>();
        OutputCommitter.prepare(cfg.output(), cfg.overwrite(), cfg.storage());

        progress.stage("read", cfg.features());
        JavaRDD<FeatureRecord> features = Sink.readFeatures(sc, cfg.features(), cfg.storage())
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        progress.stage("pca", cfg.features());
        PcaModel pca = timer.time("pca-fit", () -> Pca.fitFloat(features.map(FeatureRecord::features), cfg.pca()));
        progress.stage("project", "k = " + pca.k());
        List<PartFile> pcaFiles = timer.time("pca-project", () ->
                Sink.writePca(Pca.project(sc, pca, features), cfg.output(), cfg.formats(), cfg.storage()));
        files.addAll(pcaFiles);
        OutputCommitter.writeFile(cfg.output(), "pca-model.json", pca.toJson().getBytes(UTF_8), cfg.storage());
        features.unpersist(false);
        long n = pca.count();
        RunReport report = new RunReport(cfg.command(), Orchard.VERSION)
                .put("configuration", cfg.describe())
                .counts(n, n, 0)
                .pca(pca.inputDimension(), pca.k(), pca.explainedVarianceRatio());
        return commit(report, timer, files, n, n, 0, 0);
    }

    private Result commit(RunReport report, StageTimer timer, List<PartFile> files, long listed, long featurized,
                          long failed, long inferences) {
        report.timings(timer);
        OutputCommitter.writeFile(cfg.output(), "report.json", report.toJson().getBytes(UTF_8), cfg.storage());
        Manifest manifest = Manifest.of(new Manifest.Counts(listed, featurized, failed), cfg.describe()).withFiles(files);
        OutputCommitter.commit(cfg.output(), manifest, cfg.storage());
        return new Result(cfg.output(), listed, featurized, failed, inferences, report);
    }

    /** Rows of one table, counted in one format only (both formats hold the same rows). */
    private static long rows(List<PartFile> parts, java.util.Set<OutputFormat> formats) {
        String ext = formats.contains(OutputFormat.PARQUET) ? ".parquet" : ".csv";
        return parts.stream().filter(p -> p.path().endsWith(ext)).mapToLong(PartFile::rows).sum();
    }

    private static void failureSummary(JavaRDD<ErrorRecord> errors, RunReport report) {
        Map<String, Long> byReason = new LinkedHashMap<>();
        errors.mapToPair(e -> new Tuple2<>(category(e.reason()), 1L))
                .reduceByKey(Long::sum)
                .collect()
                .stream()
                .sorted((a, b) -> Long.compare(b._2(), a._2()))
                .forEach(t -> byReason.put(t._1(), t._2()));
        List<Map<String, String>> examples = new ArrayList<>();
        for (ErrorRecord e : errors.take(20)) {
            Map<String, String> ex = new LinkedHashMap<>();
            ex.put("imageId", e.imageId());
            ex.put("reason", e.reason());
            examples.add(ex);
        }
        report.failures(byReason, examples);
    }

    /** The kind of failure: the reason up to its first colon ("corrupt or truncated image", ...). */
    static String category(String reason) {
        int colon = reason.indexOf(':');
        return colon > 0 ? reason.substring(0, colon) : reason;
    }
}
