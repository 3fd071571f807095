package dev.orchard.job;

import dev.orchard.FeatureRecord;
import dev.orchard.ModelOptions;
import dev.orchard.PcaModel;
import dev.orchard.PcaRecord;
import dev.orchard.internal.featurize.Featurized;
import dev.orchard.internal.featurize.Featurizer;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.pca.Pca;
import dev.orchard.internal.probe.LinearProbe;
import dev.orchard.internal.probe.ProbeResult;
import dev.orchard.internal.report.StageTimer;
import dev.orchard.internal.source.DistributedListing;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.internal.source.Prefixes;
import dev.orchard.internal.storage.Preflight;
import dev.orchard.internal.storage.Regions;
import dev.orchard.OutputFormat;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Sink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code orchard plan}: what a run will take and cost, before it runs. Lists the input as a run would (on the
 * executors), counts images per class and bytes, runs the model and the stages after it on a sample here, and
 * extrapolates to the whole input, on this machine and on the cluster shape of the cost flags.
 *
 * <p>The extrapolation, per stage: listing as measured (it was the real listing); loading the model as measured;
 * featurization as a warm-up cost (the first half of the sample minus the second, which pays no model load) plus
 * the second half's seconds per image, plus writing the sample's rows as {@code features/} (to a scratch folder,
 * deleted; the first of two writes gives the writer's warm-up); PCA as a warm-up (a first pass on a quarter of the sample's features) plus
 * {@code intercept + slope × images} through passes on the half and the whole; the probe as its warm-up plus its
 * expected L-BFGS iterations ({@link #expectedIterations}) times the seconds of one iteration, fitted the same
 * way on the examples (capped at those the report samples). On the cluster the
 * per-image work of featurization and PCA is divided over its vCPUs ({@link CostModel}); the rest is kept as is.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "List the input, count images per class and bytes, time the model on a sample here, and "
                + "print what the full run will take and cost on a cluster shape (--executors, "
                + "--cores-per-executor, --instance-price). Writes nothing.")
final class Plan implements Callable<Integer> {

    /** Seed of the sample. */
    static final long SEED = 42;
    static final int DEFAULT_SAMPLE = 128;
    static final int MAX_SAMPLE = 4_096;

    @Option(names = "--input", paramLabel = "URI", description = "Images (default: the sample set).")
    String input;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "" + DEFAULT_SAMPLE,
            description = "Images featurized here to measure the model (default: ${DEFAULT-VALUE}).")
    int sample;

    @Mixin Commands.Common common = new Commands.Common();
    @Mixin Commands.ModelFlags model = new Commands.ModelFlags();
    @Mixin Commands.PcaFlags pca = new Commands.PcaFlags();
    @Mixin Commands.ReportFlags report = new Commands.ReportFlags();

    @Override
    public Integer call() {
        if (sample < 4 || sample > MAX_SAMPLE) {
            throw new UsageException("--sample must be in [4, " + MAX_SAMPLE + "] but was " + sample);
        }
        JobConfig cfg = Commands.featurizeConfig("plan", input, common, model, pca);
        ReportOptions reporting = report.options(common.region);
        Regions.requireEu(cfg.storage().region(), common.allowNonEuRegion);
        Preflight.checkReadable(cfg.input(), cfg.storage());
        Preflight.checkModelReadable(cfg.model(), cfg.storage());
        try (Progress progress = new Progress(System.err);
             JavaSparkContext sc = SparkContexts.create("orchard plan", common.master, common.verbose, false)) {
            progress.start(sc);
            Map<String, Object> estimate = measure(cfg, sc, progress, reporting);
            System.out.print(render(estimate));
        }
        return 0;
    }

    /** Lists, samples, measures and extrapolates; the result is what {@link #render} prints. */
    Map<String, Object> measure(JobConfig cfg, JavaSparkContext sc, Progress progress, ReportOptions reporting) {
        StageTimer timer = new StageTimer();
        progress.stage("list", cfg.input() + " (on the executors)");
        Prefixes prefixes = timer.time("list", () -> ImageSource.discover(cfg.input(), cfg.storage()));
        Map<String, Object> out = new LinkedHashMap<>();
        try (DistributedListing listing = timer.time("list", () ->
                ImageSource.listDistributed(sc, prefixes, cfg.storage(), cfg.maxPartitionSize()))) {
            long n = listing.count();
            out.put("input", cfg.input());
            out.put("images", n);
            out.put("classes", listing.labels().size());
            out.put("bytes", listing.bytes());
            out.put("ignoredObjects", listing.ignored());
            out.put("listingTasks", listing.listingPartitions());
            out.put("partitions", listing.images().getNumPartitions());
            out.put("imagesPerClass", listing.imagesPerLabel());
            progress.info("listed " + n + " images in " + listing.labels().size() + " classes");

            int s = (int) Math.min(n, sample);
            List<ImageRef> picked = listing.sample(s, SEED);
            progress.stage("model", cfg.model());
            ModelOptions mo = cfg.modelOptions();
            ModelOverrides overrides = new ModelOverrides(mo.signatureKey(), mo.inputTensor(), mo.outputTensor(),
                    mo.imageSize(), mo.preprocessing() == null ? null : Preprocessing.parse(mo.preprocessing()));
            // The package itself (not Orchard.model's Model): the sample runs through the featurizer directly.
            ModelPackage pkg = timer.time("model", () -> ModelPackage.fromUri(cfg.model(), cfg.storage(), overrides));
            Broadcast<ModelPackage> broadcast = sc.broadcast(pkg);
            try {
                progress.stage("sample", s + " images featurized here");
                out.putAll(sampleRun(sc, cfg, broadcast, picked, listing.labels(), reporting, timer, n));
            } finally {
                ExecutorModels.evict(broadcast);
                broadcast.destroy(false);
            }
            out.put("model", cfg.model());
            out.put("featureDim", pkg.spec().featureDim());
        }
        return out;
    }

    private Map<String, Object> sampleRun(JavaSparkContext sc, JobConfig cfg, Broadcast<ModelPackage> model,
                                          List<ImageRef> picked, List<String> labels, ReportOptions reporting,
                                          StageTimer timer, long n) {
        int slots = sc.defaultParallelism();
        int half = picked.size() / 2;
        List<FeatureRecord> features = new ArrayList<>();
        long[] failed = {0};
        double first = seconds(() -> featurize(sc, model, cfg, picked.subList(0, half), features, failed));
        double second = seconds(() -> featurize(sc, model, cfg, picked.subList(half, picked.size()), features, failed));
        double perImage = second / (picked.size() - half);
        double warmUp = Math.max(0, first - perImage * half);
        // A run's featurize stage also writes features/: the sample's rows twice to a local scratch folder (the
        // first write pays the writer's warm-up), deleted after.
        double[] write = writeTwice(sc, features, cfg.formats(), slots);
        double writePerImage = features.isEmpty() ? 0 : write[1] / features.size();
        double writeWarmUp = Math.max(0, write[0] - write[1]);

        // Three passes over growing prefixes of the sample's features: the first pays the stages' warm-up (JIT,
        // native libraries) as the run pays it once; the last two give the cost per image (PCA) and per L-BFGS
        // iteration (probe), whose number does not follow the examples, while the cost of one does.
        Fit pcaFit = null;
        Fit probeFit = null;
        double pcaWarmUp = 0;
        double probeWarmUp = 0;
        int probeIterations = 0;
        boolean probing = reporting.probe() != null && labels.size() >= 2;
        if (features.size() >= 8) {
            int[] sizes = {features.size() / 4, features.size() / 2, features.size()};
            double[] pcaSeconds = new double[3];
            double[] probeSeconds = new double[3];
            int[] iterations = new int[3];
            for (int i = 0; i < 3; i++) {
                JavaRDD<FeatureRecord> rdd = sc.parallelize(features.subList(0, sizes[i]), slots).cache();
                rdd.count();
                long t0 = System.nanoTime();
                PcaModel pca = Pca.fromMoments(Pca.momentsFloat(rdd.map(FeatureRecord::features)), cfg.pca());
                JavaRDD<PcaRecord> projected = Pca.project(sc, pca, rdd).cache();
                projected.count();
                pcaSeconds[i] = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                if (probing) {
                    ProbeResult raw = LinearProbe.run("raw", LinearProbe.fromFeatures(rdd), labels, reporting.probe());
                    ProbeResult pc = LinearProbe.run("pca", LinearProbe.fromPca(projected), labels, reporting.probe());
                    iterations[i] = Math.max(1, raw.iterations() + pc.iterations());
                    probeSeconds[i] = (System.nanoTime() - t1) / 1e9;
                    probeIterations = expectedIterations(raw, reporting.probe().maxIterations())
                            + expectedIterations(pc, reporting.probe().maxIterations());
                }
                projected.unpersist(false);
                rdd.unpersist(false);
            }
            int[] warm = {sizes[1], sizes[2]};
            pcaFit = Fit.of(warm, new double[] {pcaSeconds[1], pcaSeconds[2]});
            pcaWarmUp = Math.max(0, pcaSeconds[0] - pcaFit.at(sizes[0]));
            if (probing) {
                probeFit = Fit.of(warm, new double[] {probeSeconds[1] / iterations[1], probeSeconds[2] / iterations[2]});
                probeWarmUp = Math.max(0, probeSeconds[0] - iterations[0] * probeFit.at(sizes[0]));
            }
        }
        double list = timer.seconds("list");
        double load = timer.seconds("model");
        double featurize = warmUp + writeWarmUp + (perImage + writePerImage) * n;
        double pcaAll = pcaFit == null ? 0 : pcaWarmUp + pcaFit.at(n);
        double probe = probeFit == null ? 0
                : probeWarmUp + probeIterations * probeFit.at(Math.min(n, ReportOptions.PROBE_MAX_EXAMPLES));

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampleImages", picked.size());
        m.put("sampleFailed", failed[0]);
        m.put("measuredVcpus", slots);
        m.put("featurizeSecondsPerImage", perImage);
        m.put("featurizeWarmUpSeconds", warmUp);
        m.put("writeSecondsPerImage", writePerImage);
        m.put("writeWarmUpSeconds", writeWarmUp);
        m.put("pcaWarmUpSeconds", pcaWarmUp);
        m.put("probeWarmUpSeconds", probeWarmUp);
        m.put("probeIterations", probeIterations);
        m.put("probeSecondsPerIteration", probeFit == null ? 0 : probeFit.at(Math.min(n, ReportOptions.PROBE_MAX_EXAMPLES)));
        Map<String, Object> here = new LinkedHashMap<>();
        here.put("list", list);
        here.put("model", load);
        here.put("featurize", featurize);
        here.put("pca", pcaAll);
        here.put("probe", probe);
        here.put("total", list + load + featurize + pcaAll + probe);
        m.put("thisMachineSeconds", here);
        m.put("cluster", cluster(reporting.cost(), n, list, load, featurize + pcaAll, probe, slots));
        return m;
    }

    /** Seconds of two writes of {@code features} as a run's {@code features/} table, to a scratch folder. */
    private static double[] writeTwice(JavaSparkContext sc, List<FeatureRecord> features, Set<OutputFormat> formats,
                                       int slots) {
        double[] seconds = new double[2];
        if (features.isEmpty()) {
            return seconds;
        }
        Path scratch;
        try {
            scratch = Files.createTempDirectory("orchard-plan-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make a scratch folder for plan's write measurement", e);
        }
        JavaRDD<FeatureRecord> rdd = sc.parallelize(features, slots).cache();
        try {
            rdd.count();
            for (int i = 0; i < 2; i++) {
                String uri = scratch.resolve("w" + i).toUri().toString();
                seconds[i] = seconds(() -> Sink.writeFeatures(rdd, uri, formats, StorageOptions.defaults()));
            }
            return seconds;
        } finally {
            rdd.unpersist(false);
            ModelPackage.deleteRecursively(scratch);
        }
    }

    /**
     * Iterations the full run's probe is expected to take: as many as on the whole sample when it converged
     * there, else the bound (more examples rarely converge sooner; a separable sample never converges).
     */
    static int expectedIterations(ProbeResult sample, int maxIterations) {
        return sample.converged() ? sample.iterations() : maxIterations;
    }

    private static void featurize(JavaSparkContext sc, Broadcast<ModelPackage> model, JobConfig cfg,
                                  List<ImageRef> images, List<FeatureRecord> features, long[] failed) {
        for (Featurized f : Featurizer.featurize(sc.parallelize(images, sc.defaultParallelism()), model,
                cfg.featurize(), null).collect()) {
            if (f.isOk()) {
                features.add(f.features());
            } else {
                failed[0]++;
            }
        }
    }

    /**
     * The full run on the cluster of the cost flags, from the stages measured here: a run's {@code report.json}
     * carries it too, for the images it listed.
     *
     * @param images          images of the full run
     * @param listSeconds     listing, as measured (kept as is on the cluster)
     * @param fixedSeconds    loading the model
     * @param parallelSeconds featurization and PCA for all images, on {@code measuredVcpus} cores here
     * @param serialSeconds   work that does not spread over the cluster (the probe's iterations)
     */
    static Map<String, Object> cluster(CostModel cost, long images, double listSeconds, double fixedSeconds,
                                       double parallelSeconds, double serialSeconds, int measuredVcpus) {
        Map<String, Object> model = cost.estimate(new ExecutorCensus.Shape(1, measuredVcpus, "measured here"), images,
                listSeconds, fixedSeconds, parallelSeconds);
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("instanceType", "executors", "coresPerExecutor", "instances", "clusterVcpus",
                "pricePerInstanceHour", "billedPerInstanceHour", "currency", "vcpuSecondsPerImage")) {
            m.put(k, model.get(k));
        }
        int vcpus = (Integer) model.get("clusterVcpus");
        double seconds = fixedSeconds + listSeconds + serialSeconds + parallelSeconds * measuredVcpus / vcpus;
        m.put("images", images);
        m.put("hours", seconds / 3600);
        m.put("cost", seconds / 3600 * (Integer) model.get("instances") * (Double) model.get("billedPerInstanceHour"));
        return m;
    }

    /** What {@code plan} prints. */
    static String render(Map<String, Object> e) {
        StringBuilder b = new StringBuilder();
        Locale l = Locale.ROOT;
        b.append(String.format(l, "plan: %s%n", e.get("input")));
        b.append(String.format(l, "  images: %,d in %d classes, %s; %,d other objects ignored; listed by %d executor "
                        + "tasks into %d partitions%n", e.get("images"), e.get("classes"), size((Long) e.get("bytes")),
                e.get("ignoredObjects"), e.get("listingTasks"), e.get("partitions")));
        b.append("  per class:");
        @SuppressWarnings("unchecked")
        Map<String, Long> perClass = (Map<String, Long>) e.get("imagesPerClass");
        int shown = 0;
        for (Map.Entry<String, Long> c : perClass.entrySet()) {
            if (shown++ == 40) {
                b.append(String.format(l, " … (%d more)", perClass.size() - 40));
                break;
            }
            b.append(String.format(l, " %s %,d;", c.getKey(), c.getValue()));
        }
        b.append(System.lineSeparator());
        b.append(String.format(l, "  sample: %d images featurized here on %d cores: %.1f ms/image after a %.1f s "
                        + "warm-up, %d failed%n", e.get("sampleImages"), e.get("measuredVcpus"),
                1000 * (Double) e.get("featurizeSecondsPerImage"), e.get("featurizeWarmUpSeconds"), e.get("sampleFailed")));
        @SuppressWarnings("unchecked")
        Map<String, Double> here = (Map<String, Double>) e.get("thisMachineSeconds");
        b.append(String.format(l, "  this machine: %s (list %.1f s, model %.1f s, featurize %.1f s, pca %.1f s, "
                        + "probe %.1f s)%n", duration(here.get("total")), here.get("list"), here.get("model"),
                here.get("featurize"), here.get("pca"), here.get("probe")));
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) e.get("cluster");
        b.append(String.format(l, "  cluster: %s executors × %s cores (%s × %s at %.2f %s/h): %s, %.2f %s%n",
                c.get("executors"), c.get("coresPerExecutor"), c.get("instances"), c.get("instanceType"),
                c.get("pricePerInstanceHour"), c.get("currency"), duration(3600 * (Double) c.get("hours")),
                c.get("cost"), c.get("currency")));
        return b.toString();
    }

    private static String size(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String duration(double seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%.1f h", seconds / 3600)
                : seconds >= 120 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.1f s", seconds);
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** {@code intercept + slope × images} through two measurements, neither negative. */
    record Fit(double intercept, double slope) {
        static Fit of(int[] sizes, double[] seconds) {
            double slope = Math.max(0, (seconds[1] - seconds[0]) / Math.max(1, sizes[1] - sizes[0]));
            return new Fit(Math.max(0, seconds[1] - slope * sizes[1]), slope);
        }

        double at(long images) {
            return intercept + slope * images;
        }
    }
}
