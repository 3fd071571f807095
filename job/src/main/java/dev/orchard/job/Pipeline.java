package dev.orchard.job;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.Orchard;
import dev.orchard.internal.featurize.Featurized;
import dev.orchard.internal.featurize.Featurizer;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.Fidelity;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.Precision;
import dev.orchard.PcaRecord;
import dev.orchard.internal.pca.Moments;
import dev.orchard.internal.pca.Pca;
import dev.orchard.PcaModel;
import dev.orchard.PcaOptions;
import dev.orchard.internal.probe.LabeledVector;
import dev.orchard.internal.probe.LinearProbe;
import dev.orchard.internal.probe.ProbeResult;
import dev.orchard.internal.report.RunReport;
import dev.orchard.internal.report.StageTimer;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.OutputFormat;
import dev.orchard.internal.sink.PartFile;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.source.ImageListing;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.source.ImageSource;
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
 * PCA fit, projection, probe) reads the persisted partitions. They are kept deserialized
 * ({@code MEMORY_AND_DISK}): 1,280 floats an image is 5 KB either way, and Java serialization of every
 * record cost CPU on the featurize critical path.
 */
final class Pipeline {

    /** Outcome of a run: where it went and what it counted. */
    record Result(String output, long listed, long featurized, long failed, long inferences, RunReport report) {}

    private final JobConfig cfg;
    private final JavaSparkContext sc;
    private final Progress progress;
    private final ReportOptions reporting;

    Pipeline(JobConfig cfg, JavaSparkContext sc, Progress progress) {
        this(cfg, sc, progress, ReportOptions.defaults());
    }

    Pipeline(JobConfig cfg, JavaSparkContext sc, Progress progress, ReportOptions reporting) {
        this.cfg = cfg;
        this.sc = sc;
        this.progress = progress;
        this.reporting = reporting;
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
        Precision precision = cfg.featurize().precision();
        java.util.Set<Precision.CpuSupport> cpuBf16 = null;
        if (precision == Precision.BF16) {
            cpuBf16 = PrecisionCheck.executorCpuBf16(sc);
            PrecisionCheck.warnIfNoHardware(cpuBf16);
        }

        LongAccumulator inferences = sc.sc().longAccumulator("orchard.inferences");
        JavaRDD<ImageRef> images = ImageSource.parallelize(sc, listing, cfg.maxPartitionSize());
        JavaRDD<Featurized> featurized = Featurizer.featurize(images, model, cfg.featurize(), inferences)
                .persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<FeatureRecord> features = featurized.filter(Featurized::isOk).map(Featurized::features);
        JavaRDD<ErrorRecord> errors = featurized.filter(f -> !f.isOk()).map(Featurized::error);

        progress.stage("featurize", listing.size() + " images");
        progress.track("featurize", listing.size(), inferences::value);
        List<PartFile> featureFiles = timer.time("featurize", () ->
                Sink.writeFeatures(features, cfg.output(), cfg.formats(), cfg.storage()));
        progress.finish();
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
        imagesPerClass(features, listing.labels(), report);
        Fidelity fidelity = null;
        if (precision != Precision.FP32 && featurizedCount > 0) {
            // From the persisted features: the run's CNN does not run again; the driver recomputes a few in fp32.
            progress.stage("fidelity", "up to " + PrecisionCheck.FIDELITY_MAX_IMAGES + " images in fp32 on the driver");
            fidelity = timer.time("fidelity", () -> PrecisionCheck.measure(features, pkg, cfg.featurize(),
                    PrecisionCheck.FIDELITY_MAX_IMAGES));
        }
        report.precision(precision, cpuBf16, fidelity);

        if (withPca && featurizedCount >= 2) {
            progress.stage("pca", featurizedCount + " vectors of " + pkg.spec().featureDim());
            Moments moments = timer.time("pca-fit", () -> Pca.momentsFloat(features.map(FeatureRecord::features)));
            PcaModel pca = timer.time("pca-fit", () -> Pca.fromMoments(moments, cfg.pca()));
            progress.stage("project", "k = " + pca.k());
            JavaRDD<PcaRecord> projected = Pca.project(sc, pca, features);
            files.addAll(timer.time("pca-project", () ->
                    Sink.writePca(projected, cfg.output(), cfg.formats(), cfg.storage())));
            OutputCommitter.writeFile(cfg.output(), "pca-model.json", pca.toJson().getBytes(UTF_8), cfg.storage());
            report.pca(pca.inputDimension(), pca.k(), pca.explainedVarianceRatio());
            spectrum(moments, pca, report);
            scatter(projected, listing.labels(), featurizedCount, report);
            probe(features, projected, listing.labels(), featurizedCount, timer, report);
        } else if (withPca) {
            progress.info("PCA skipped: fewer than 2 images were featurized");
        }
        report.put("inferences", inferences.value());
        featurized.unpersist(false);
        ExecutorModels.evict(model); // local mode: the driver is the executor; free its TensorFlow session now
        model.destroy(false);
        double parallel = timer.seconds("featurize") + timer.seconds("errors") + timer.seconds("pca-fit")
                + timer.seconds("pca-project");
        report.cost(reporting.cost().estimate(listing.size(), timer.seconds("list"), timer.seconds("model"), parallel,
                sc.defaultParallelism()));
        report.put("runEstimate", Plan.cluster(reporting.cost(), listing.size(), timer.seconds("list"),
                timer.seconds("model"), parallel, timer.seconds("probe"), sc.defaultParallelism()));

        return commit(report, timer, files, listing.size(), featurizedCount, failedCount, inferences.value());
    }

    /** {@code pca}: fit on existing features and write projections + model. */
    Result pca() {
        StageTimer timer = new StageTimer();
        List<PartFile> files = new ArrayList<>();
        OutputCommitter.prepare(cfg.output(), cfg.overwrite(), cfg.storage());

        progress.stage("read", cfg.features());
        JavaRDD<FeatureRecord> features = Sink.readFeatures(sc, cfg.features(), cfg.storage())
                .persist(StorageLevel.MEMORY_AND_DISK());
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
        if (reporting.eventLog()) {
            String log = EventLogs.copyToOutput(sc, cfg.output(), cfg.storage());
            if (log != null) {
                report.eventLog(log);
            }
        }
        OutputCommitter.writeFile(cfg.output(), "report.json", report.toJson().getBytes(UTF_8), cfg.storage());
        OutputCommitter.writeFile(cfg.output(), "report.html", ReportHtml.render(report).getBytes(UTF_8), cfg.storage());
        Manifest manifest = Manifest.of(new Manifest.Counts(listed, featurized, failed), cfg.describe()).withFiles(files);
        OutputCommitter.commit(cfg.output(), manifest, cfg.storage());
        if (reporting.notifier().enabled()) {
            reporting.notifier().send(summary(report));
        }
        return new Result(cfg.output(), listed, featurized, failed, inferences, report);
    }

    /** What the end-of-run notification says. */
    private Map<String, Object> summary(RunReport report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", cfg.command());
        m.put("status", "succeeded");
        m.put("output", cfg.output());
        m.put("report", cfg.output() + "/report.html");
        if (report.get("counts") instanceof Map<?, ?> counts) {
            counts.forEach((k, v) -> m.put(String.valueOf(k), v));
        }
        for (String key : List.of("throughput", "timingsSeconds", "probe", "cost")) {
            if (report.get(key) != null) {
                m.put(key, key.equals("probe") ? probeSummary(report.get(key)) : report.get(key));
            }
        }
        return m;
    }

    private static Object probeSummary(Object probe) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (probe instanceof Map<?, ?> byName) {
            byName.forEach((k, v) -> m.put(String.valueOf(k), v instanceof Map<?, ?> r ? r.get("accuracy") : v));
        }
        return m;
    }

    /** Featurized images per class, in label order. */
    private static void imagesPerClass(JavaRDD<FeatureRecord> features, List<String> labels, RunReport report) {
        Map<String, Long> counted = features.map(FeatureRecord::label).countByValue();
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String l : labels) {
            ordered.put(l, counted.getOrDefault(l, 0L));
        }
        report.imagesPerClass(ordered);
    }

    /** The explained-variance curve over more components than were kept (from the same moments: no pass). */
    private void spectrum(Moments moments, PcaModel pca, RunReport report) {
        long maxK = Math.min(Math.min(pca.inputDimension(), pca.count() - 1), ReportOptions.SPECTRUM_MAX_COMPONENTS);
        if (maxK <= pca.k()) {
            report.spectrum(pca.explainedVarianceRatio(), pca.k());
            return;
        }
        PcaModel wide = Pca.fromMoments(moments, PcaOptions.fixedK((int) maxK).withStandardize(cfg.pca().standardize()));
        report.spectrum(wide.explainedVarianceRatio(), pca.k());
    }

    /** A bounded, seeded sample of PC1 × PC2 for the scatter plot. */
    private static void scatter(JavaRDD<PcaRecord> projected, List<String> labels, long total, RunReport report) {
        List<double[]> points = new ArrayList<>();
        for (PcaRecord r : projected.takeSample(false, ReportOptions.SCATTER_MAX_POINTS, 42)) {
            double[] p = r.pca();
            points.add(new double[] {p[0], p.length > 1 ? p[1] : 0, r.labelIndex()});
        }
        report.scatter(labels, points, total);
    }

    /** The linear probe on raw features and on PCA projections (sampled down on large runs). */
    private void probe(JavaRDD<FeatureRecord> features, JavaRDD<PcaRecord> projected, List<String> labels, long n,
                       StageTimer timer, RunReport report) {
        if (reporting.probe() == null || labels.size() < 2) {
            return;
        }
        double fraction = n > ReportOptions.PROBE_MAX_EXAMPLES ? (double) ReportOptions.PROBE_MAX_EXAMPLES / n : 1;
        long seed = reporting.probe().seed();
        JavaRDD<LabeledVector> raw = LinearProbe.fromFeatures(features);
        JavaRDD<LabeledVector> reduced = LinearProbe.fromPca(projected);
        if (fraction < 1) {
            raw = raw.sample(false, fraction, seed);
            reduced = reduced.sample(false, fraction, seed);
        }
        for (Tuple2<String, JavaRDD<LabeledVector>> t : List.of(new Tuple2<>("raw", raw), new Tuple2<>("pca", reduced))) {
            progress.stage("probe", t._1() + " features");
            ProbeResult r = timer.time("probe", () -> LinearProbe.run(t._1(), t._2(), labels, reporting.probe()));
            progress.info(String.format(java.util.Locale.ROOT, "probe on %s features (d = %d): %.1f %% held-out accuracy "
                    + "(chance %.1f %%)", t._1(), r.dimension(), 100 * r.accuracy(), 100 * r.chance()));
            report.probe(t._1(), r.toMap());
        }
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
