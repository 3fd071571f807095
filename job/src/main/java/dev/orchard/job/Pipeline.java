package dev.orchard.job;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.Featurization;
import dev.orchard.Fidelity;
import dev.orchard.Images;
import dev.orchard.ListingDiff;
import dev.orchard.Model;
import dev.orchard.Orchard;
import dev.orchard.Output;
import dev.orchard.PcaModel;
import dev.orchard.PcaRecord;
import dev.orchard.Precision;
import dev.orchard.internal.featurize.PrecisionCheck;
import dev.orchard.internal.incremental.FeatureUnion;
import dev.orchard.internal.probe.LabeledVector;
import dev.orchard.internal.probe.LinearProbe;
import dev.orchard.internal.probe.ProbeResult;
import dev.orchard.internal.report.RunReport;
import dev.orchard.internal.report.StageTimer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
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
    record Result(String output, long listed, long reused, long featurized, long failed, long retired, long inferences,
                  RunReport report) {}

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

    /** {@code run} (withPca) and {@code featurize}: the library's stages in order, plus progress and report. */
    Result featurize(boolean withPca) {
        StageTimer timer = new StageTimer();
        Orchard orchard = orchard();
        try (Output out = open(orchard)) {
            progress.stage("list", cfg.input());
            Images images = timer.time("list", () -> orchard.list(cfg.input()));
            long listed = images.knownCount();
            progress.info("listed " + listed + " images in " + images.labels().size() + " classes");

            progress.stage("model", cfg.model());
            Model model = timer.time("model", () -> orchard.model(cfg.model(), cfg.modelOptions()));

            ListingDiff diff = null;
            Images work = images;
            if (cfg.incremental()) {
                // Incremental: featurize only what is new, changed or failed before (ListingDiff).
                progress.stage("diff", String.join(",", cfg.incrementalFrom()));
                diff = orchard.diff(images, model, cfg.incrementalFrom());
                timer.time("diff", diff::countListed);
                progress.info(IncrementalReport.line(diff));
                work = diff.toFeaturize();
            }
            try (ListingDiff d = diff; Featurization f = orchard.featurize(work, model, cfg.featurize())) {
                // Without PCA the write is the only pass over the results (bf16's fidelity check reads them again).
                f.cache(withPca || cfg.featurize().precision() != Precision.FP32);
                long toFeaturize = work.knownCount();
                progress.stage("featurize", toFeaturize + " images");
                progress.track("featurize", toFeaturize, f::inferences);
                timer.time("featurize", () -> {
                    if (d == null) {
                        out.write(f);
                    } else {
                        out.write(f, d);
                    }
                });
                progress.finish();
                long reused = d == null ? 0 : d.countUnchanged();
                long retired = d == null ? 0 : d.countRetired();

                RunReport report = new RunReport(cfg.command(), Orchard.VERSION)
                        .put("configuration", cfg.describe())
                        .counts(listed, f.featurized(), f.failed())
                        .put("classes", images.labels().size())
                        .put("ignoredObjects", images.ignored())
                        .throughput(toFeaturize, timer.seconds("featurize"), sc.defaultParallelism())
                        .put("modelSpec", model.describe())
                        .put("executors", f.executors());
                if (d != null) {
                    report.counts(listed, reused, f.featurized(), f.failed(), retired);
                }
                if (!f.warnings().isEmpty()) {
                    report.put("warnings", f.warnings());
                }
                if (f.failed() > 0) {
                    failureSummary(f, report);
                }
                report.imagesPerClass(f.featurizedPerLabel());
                Precision precision = cfg.featurize().precision();
                Fidelity fidelity = null;
                if (precision != Precision.FP32 && f.featurized() > 0) {
                    // From the persisted features: the run's CNN does not run again; the driver recomputes a few in fp32.
                    progress.stage("fidelity", "up to " + PrecisionCheck.FIDELITY_MAX_IMAGES
                            + " images in fp32 on the driver");
                    fidelity = timer.time("fidelity", () -> f.fidelity(PrecisionCheck.FIDELITY_MAX_IMAGES));
                }
                report.precision(precision, f.cpuBf16(), fidelity);

                // PCA over every current image: this run's features and, incremental, the earlier ones it reused.
                JavaRDD<FeatureRecord> reusedRows = reused == 0 ? null
                        : d.reusedFeatures().persist(StorageLevel.MEMORY_AND_DISK());
                JavaRDD<FeatureRecord> all = reusedRows == null ? f.features() : reusedRows.union(f.features());
                long allCount = reused + f.featurized();
                if (withPca && cfg.pcaModel() != null) {
                    PcaModel given = PcaModels.read(cfg.pcaModel(), cfg.storage());
                    given.requireApplicable(model.featureDimension(), model.featureSpec(), "--model " + cfg.model());
                    progress.stage("project", "k = " + given.k() + " with " + cfg.pcaModel() + " (no fit)");
                    // This run's images only: earlier outputs hold the others' projections, in the same space.
                    timer.time("pca-project", () -> out.write(given, given.transform(f.features())));
                    report.pca(given.inputDimension(), given.k(), given.explainedVarianceRatio());
                } else if (withPca && allCount >= 2) {
                    progress.stage("pca", allCount + " vectors of " + model.featureDimension());
                    PcaModel pca = timer.time("pca-fit", () -> orchard.fitPca(all, cfg.pca()))
                            .withFeatureSpec(model.featureSpec());
                    progress.stage("project", "k = " + pca.k());
                    JavaRDD<PcaRecord> projected = pca.transform(all);
                    timer.time("pca-project", () -> out.write(pca, projected));
                    report.pca(pca.inputDimension(), pca.k(), pca.explainedVarianceRatio());
                    report.spectrum(pca.spectrum(), pca.k());
                    report.put("pcaFit", pca.fitInfo());
                    scatter(projected, images.labels(), allCount, report);
                    probe(all, projected, images.labels(), allCount, timer, report);
                } else if (withPca) {
                    progress.info("PCA skipped: fewer than 2 images were featurized");
                }
                if (reusedRows != null) {
                    reusedRows.unpersist(false);
                }
                report.put("inferences", f.inferences());
                double parallel = timer.seconds("featurize") + timer.seconds("pca-fit") + timer.seconds("pca-project");
                report.cost(reporting.cost().estimate(ExecutorCensus.of(sc.sc()), listed, timer.seconds("list"),
                        timer.seconds("model"), parallel));
                report.put("runEstimate", Plan.cluster(reporting.cost(), listed, timer.seconds("list"),
                        timer.seconds("model"), parallel, timer.seconds("probe"), sc.defaultParallelism()));
                if (d != null) {
                    report.put("reused", reused);
                    report.put("incremental", IncrementalReport.section(d, reused, f.featurized(), f.failed(),
                            retired, timer.seconds("featurize"), sc.defaultParallelism(), reporting.cost(),
                            ExecutorCensus.of(sc.sc()), cfg.storage()));
                }
                return commit(out, report, timer, new long[] {listed, reused, f.featurized(), f.failed(), retired},
                        f.inferences());
            }
        }
    }

    /** {@code pca}: fit on existing features (one folder, or the union of several) and write projections + model. */
    Result pca() {
        StageTimer timer = new StageTimer();
        Orchard orchard = orchard();
        try (Output out = open(orchard)) {
            progress.stage("read", String.join(",", cfg.features()));
            Map<String, String> spec = FeatureUnion.recordedSpec(cfg.features(), cfg.storage());
            JavaRDD<FeatureRecord> features = orchard.readFeatures(cfg.features())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            try {
                progress.stage("pca", String.join(",", cfg.features()));
                PcaModel fitted = timer.time("pca-fit", () -> orchard.fitPca(features, cfg.pca()));
                PcaModel pca = spec == null ? fitted : fitted.withFeatureSpec(spec);
                progress.stage("project", "k = " + pca.k());
                timer.time("pca-project", () -> out.write(pca, pca.transform(features)));
                long n = pca.count();
                RunReport report = new RunReport(cfg.command(), Orchard.VERSION)
                        .put("configuration", cfg.describe())
                        .counts(n, n, 0)
                        .pca(pca.inputDimension(), pca.k(), pca.explainedVarianceRatio())
                        .put("pcaFit", pca.fitInfo());
                return commit(out, report, timer, new long[] {n, 0, n, 0, 0}, 0);
            } finally {
                features.unpersist(false);
            }
        }
    }

    /** {@code transform}: project existing features with a saved PCA model (no fit). */
    Result transform() {
        StageTimer timer = new StageTimer();
        PcaModel model = PcaModels.read(cfg.pcaModel(), cfg.storage());
        Orchard orchard = orchard();
        try (Output out = open(orchard)) {
            progress.stage("read", String.join(",", cfg.features()));
            Map<String, String> spec = FeatureUnion.recordedSpec(cfg.features(), cfg.storage());
            JavaRDD<FeatureRecord> features = orchard.readFeatures(cfg.features())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            try {
                List<FeatureRecord> first = features.take(1);
                if (!first.isEmpty()) {
                    model.requireApplicable(first.get(0).features().length, spec,
                            "--features " + String.join(",", cfg.features()));
                }
                progress.stage("project", "k = " + model.k() + " with " + cfg.pcaModel() + " (no fit)");
                long n = timer.time("pca-project", () -> out.write(model, model.transform(features)));
                RunReport report = new RunReport(cfg.command(), Orchard.VERSION)
                        .put("configuration", cfg.describe())
                        .counts(n, n, 0)
                        .pca(model.inputDimension(), model.k(), model.explainedVarianceRatio());
                return commit(out, report, timer, new long[] {n, 0, n, 0, 0}, 0);
            } finally {
                features.unpersist(false);
            }
        }
    }

    private Orchard orchard() {
        return Orchard.builder(sc).storage(cfg.storage()).maxPartitionSize(cfg.maxPartitionSize()).build();
    }

    private Output open(Orchard orchard) {
        return orchard.output(cfg.output()).formats(cfg.formats()).overwrite(cfg.overwrite()).open();
    }

    /** @param counts listed, reused, featurized, failed, retired (as the manifest counts them) */
    private Result commit(Output out, RunReport report, StageTimer timer, long[] counts, long inferences) {
        report.timings(timer);
        if (reporting.eventLog()) {
            String log = EventLogs.copyToOutput(sc, cfg.output(), cfg.storage());
            if (log != null) {
                report.eventLog(log);
            }
        }
        out.writeFile("report.json", report.toJson().getBytes(UTF_8));
        out.writeFile("report.html", ReportHtml.render(report).getBytes(UTF_8));
        out.commit(cfg.describe());
        if (reporting.notifier().enabled()) {
            reporting.notifier().send(summary(report));
        }
        return new Result(cfg.output(), counts[0], counts[1], counts[2], counts[3], counts[4], inferences, report);
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

    private static void failureSummary(Featurization f, RunReport report) {
        Map<String, Long> byReason = new LinkedHashMap<>();
        f.failuresByKind().forEach(t -> byReason.put(t._1(), t._2()));
        List<Map<String, String>> examples = new ArrayList<>();
        for (ErrorRecord e : f.failureExamples()) {
            Map<String, String> ex = new LinkedHashMap<>();
            ex.put("imageId", e.imageId());
            ex.put("reason", e.reason());
            examples.add(ex);
        }
        report.failures(byReason, examples);
    }
}
