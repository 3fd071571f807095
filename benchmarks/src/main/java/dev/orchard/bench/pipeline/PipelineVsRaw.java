package dev.orchard.bench.pipeline;

import dev.orchard.Precision;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.FeatureRecord;
import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.job.Main;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.sink.Sink;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Locale;
import java.util.Map;

/**
 * End-to-end {@code orchard featurize} in Spark {@code local[2]} vs the raw model, side by side in one
 * JVM, interleaved, on the same images.
 *
 * <ul>
 *   <li><b>raw</b>: every distinct image decoded once into memory before timing, then batches of
 *       {@code --batch} copied from memory into {@link LoadedModel#run} (one session, intra-op threads = cores;
 *       and "raw-streams": one single-threaded session per core, each fed by its own thread, the executors'
 *       default layout),
 *       until as many images as the pipeline featurizes have run: the model's speed and nothing else.</li>
 *   <li><b>pipeline</b>: {@code orchard featurize --input TREE --output OUT --model DIR --batch-size B
 *       --master local[2]} run in-process through {@link Main#execute}: Spark start, listing, fetch,
 *       JPEG decode, resize, inference, Parquet writing, report. Its time is the whole call; the
 *       report's {@code featurize} stage (model load, inference, writing features) is also shown. With
 *       {@code --pipeline process} it is a fresh JVM instead ({@code java <this JVM's flags> -cp <this class
 *       path> dev.orchard.bench.pipeline.FeaturizeProcess featurize ...}, i.e. {@code Main} with a CPU split by
 *       thread role), timed from start to exit: JVM start, class loading, TensorFlow's first load and JIT
 *       included, as a user's {@code orchard featurize} pays them; the in-JVM pipeline shares this JVM's
 *       TensorFlow state (its sessions, thread pools) with the raw runs.</li>
 * </ul>
 *
 * Each round runs the pipeline once per size between the two halves of each raw variant (raw half, raw-streams
 * half, pipeline, raw-streams half, raw half; the outer raw variant alternates between rounds), and a raw variant's
 * throughput is both halves' images over both halves' time: the host's speed drifts by up to ≈ 20 % from minute
 * to minute (measured here: the same warm pipeline ran at 2.48 and 2.04 CPU-ms/image in consecutive rounds), and
 * bracketing the pipeline cancels a drift that is linear over the round. After the first pipeline run at each
 * size, its features are compared with the raw model's on the same decoded images, and the report's
 * {@code inferences} must equal the image count.
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests
 * TF_CPP_MIN_LOG_LEVEL=2 java $(spark opens) -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.pipeline.PipelineVsRaw [--images 5000] [--sizes 224,100] [--batch 32] [--rounds 2]
 *   [--master local[2]] [--sample data-samples/fruits-sample/Training] [--keep DIR] [--pipeline in-jvm|process]
 * </pre>
 */
public final class PipelineVsRaw {

    /** Pipeline features vs raw-model features on the same decoded image: both are the same TF run. */
    /**
     * Pipeline (batches of 32) vs raw model (batch 1) on the same decoded images, relative to max(1, |x|):
     * oneDNN picks other kernels per batch size and the rounding adds up over MobileNetV2's 52 layers
     * (measured: 1.3e-4 absolute with TF_ENABLE_ONEDNN_OPTS=1, 3.2e-5 without).
     */
    static final double FEATURE_TOLERANCE = 1e-3;

    private PipelineVsRaw() {}

    record Run(String variant, int size, int round, long images, double seconds, double cpuSeconds,
               double stageSeconds, String loadBefore, String loadAfter, Map<String, Double> roles,
               String threadNames) {
        double ips() {
            return images / seconds;
        }

        /** This run and {@code o} (the other half of the same variant) as one. */
        Run plus(Run o) {
            Map<String, Double> sum = new java.util.LinkedHashMap<>(roles);
            o.roles.forEach((k, v) -> sum.merge(k, v, Double::sum));
            return new Run(variant, size, round, images + o.images, seconds + o.seconds, cpuSeconds + o.cpuSeconds,
                    stageSeconds + o.stageSeconds, loadBefore, o.loadAfter, sum,
                    threadNames + " | " + o.threadNames);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int want = Integer.parseInt(a.getOrDefault("images", "5000"));
        int[] sizes = Arrays.stream(a.getOrDefault("sizes", "224,100").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        String master = a.getOrDefault("master", "local[2]");
        Path training = BenchSupport.sampleRoot(a);
        Path work = a.containsKey("keep") ? Files.createDirectories(Path.of(a.get("keep")))
                : Files.createTempDirectory("orchard-pipeline-bench-");

        System.out.println("# Orchard pipeline vs raw model");
        System.out.println("cpu: " + BenchSupport.cpuModel() + ", cores seen by the JVM: "
                + Runtime.getRuntime().availableProcessors() + ", java " + System.getProperty("java.version"));
        System.out.println("load average at start: " + BenchSupport.loadAverage());
        try {
            List<Path> sample = BenchSupport.sampleImages(training);
            Path tree = work.resolve("images");
            Map<String, Integer> source = BenchSupport.replicate(sample, training, tree, want);
            int n = source.size();
            int[] order = source.values().stream().mapToInt(Integer::intValue).toArray();
            System.out.println(n + " images (" + sample.size() + " distinct, replicated) under " + tree
                    + "; batch " + batch + ", master " + master + ", rounds " + rounds);

            List<Run> runs = new ArrayList<>();
            for (int size : sizes) {
                Path modelDir = work.resolve("mobilenet_v2-" + size);
                MobileNetV2.export(modelDir, 42, size);
            }
            for (int round = 0; round < rounds; round++) {
                for (int size : sizes) {
                    Path modelDir = work.resolve("mobilenet_v2-" + size);
                    Path out = work.resolve("out-" + size);
                    int cores = Runtime.getRuntime().availableProcessors();
                    int[] outer = round % 2 == 0 ? new int[] {1, cores} : new int[] {cores, 1};
                    int[][] halves = {Arrays.copyOfRange(order, 0, n / 2), Arrays.copyOfRange(order, n / 2, n)};
                    Run[] first = new Run[2];
                    for (int k = 0; k < 2; k++) {
                        first[k] = raw(modelDir, sample, halves[0], batch, size, round, outer[k]);
                        print(first[k], a.containsKey("threads"), "first half");
                    }
                    Run pipe = "process".equals(a.getOrDefault("pipeline", "in-jvm"))
                            ? pipelineProcess(tree, out, modelDir, batch, master, n, size, round)
                            : pipeline(tree, out, modelDir, batch, master, n, size, round);
                    print(pipe, a.containsKey("threads"), "");
                    if (round == 0) {
                        checkFeatures(out, modelDir, sample, source);
                    }
                    runs.add(pipe);
                    for (int k = 1; k >= 0; k--) {
                        Run second = raw(modelDir, sample, halves[1], batch, size, round, outer[k]);
                        print(second, a.containsKey("threads"), "second half");
                        runs.add(first[k].plus(second));
                    }
                }
            }
            summary(runs, sizes, rounds);
            System.out.println("load average at end: " + BenchSupport.loadAverage());
        } finally {
            if (!a.containsKey("keep")) {
                BenchSupport.deleteRecursively(work);
            }
        }
    }

    private static void print(Run r, boolean threads, String note) {
        System.out.printf(Locale.ROOT, "  round %d %-11s %3d px%s: %6d images in %7.1f s = %7.1f images/s,"
                        + " %.2f CPU-ms/image, load %s -> %s%n", r.round(), r.variant(), r.size(),
                note.isEmpty() ? "" : " (" + note + ")", r.images(), r.seconds(), r.ips(),
                1000 * r.cpuSeconds() / r.images(), r.loadBefore(), r.loadAfter());
        System.out.println("    CPU by thread role: " + ThreadCpu.perImage(r.roles(), r.images()));
        if (threads) {
            System.out.println("    threads: " + r.threadNames());
        }
    }

    /**
     * Decodes the distinct images once, then runs {@code order.length} images through the model: {@code streams} = 1
     * is one session with every core fed by one thread ("raw"); more is that many one-thread sessions, each fed by
     * its own thread taking the next batch ("raw-streams", the layout executors use by default).
     */
    private static Run raw(Path modelDir, List<Path> sample, int[] order, int batch, int size, int round,
                           int streams) throws Exception {
        ModelPackage pkg = ModelPackage.fromDirectory(modelDir, null);
        ModelSpec spec = pkg.spec();
        float[][] decoded = decodeAll(sample, spec);
        int len = spec.inputLength();
        int cores = Runtime.getRuntime().availableProcessors();
        try (LoadedModel model = streams == 1 ? ExecutorModels.load(pkg)
                : ExecutorModels.load(pkg, streams, Math.max(1, cores / streams), Precision.FP32)) {
            for (int i = 0; i < streams; i++) {
                model.run(decoded[0], 1); // load-time graph optimisation is not inference speed
            }
            String before = BenchSupport.loadAverage();
            ThreadCpu threads = ThreadCpu.start();
            long cpu0 = BenchSupport.processCpuNanos();
            long t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> feeders = new ArrayList<>();
            for (int f = 0; f < streams; f++) {
                Thread t = new Thread(() -> {
                    float[] x = new float[batch * len];
                    for (int start = next.getAndAdd(batch); start < order.length; start = next.getAndAdd(batch)) {
                        int b = Math.min(batch, order.length - start);
                        for (int i = 0; i < b; i++) {
                            System.arraycopy(decoded[order[start + i]], 0, x, i * len, len);
                        }
                        model.run(x, b);
                    }
                }, "bench-feeder-" + f);
                t.start();
                feeders.add(t);
            }
            for (Thread t : feeders) {
                t.join();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (BenchSupport.processCpuNanos() - cpu0) / 1e9;
            threads.close();
            return new Run(streams == 1 ? "raw" : "raw-streams", size, round, order.length, s, cpu, s, before,
                    BenchSupport.loadAverage(), threads.byRole(), threads.threads());
        }
    }

    private static float[][] decodeAll(List<Path> sample, ModelSpec spec) throws Exception {
        ImageDecoder decoder = ImageDecoder.forModel(spec, ImageDecoder.DEFAULT_MAX_PIXELS);
        float[][] decoded = new float[sample.size()][];
        for (int i = 0; i < sample.size(); i++) {
            decoded[i] = decoder.decode(Files.readAllBytes(sample.get(i)));
        }
        return decoded;
    }

    /** {@code orchard featurize} in-process; the whole call is timed. */
    private static Run pipeline(Path tree, Path out, Path modelDir, int batch, String master, int n, int size,
                                int round) throws Exception {
        String before = BenchSupport.loadAverage();
        ThreadCpu threads = ThreadCpu.start();
        long cpu0 = BenchSupport.processCpuNanos();
        long t0 = System.nanoTime();
        int code = Main.execute("featurize", "--input", tree.toString(), "--output", out.toString(),
                "--overwrite", "--model", modelDir.toString(), "--batch-size", String.valueOf(batch),
                "--master", master);
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (BenchSupport.processCpuNanos() - cpu0) / 1e9;
        threads.close();
        if (code != 0) {
            throw new IllegalStateException("orchard featurize exited with " + code);
        }
        return checkedRun(out, n, size, round, s, cpu, before, threads.byRole(), threads.threads());
    }

    /** The pipeline run, once its report says every image was featurized by one inference. */
    private static Run checkedRun(Path out, int n, int size, int round, double s, double cpu, String before,
                                  Map<String, Double> roles, String threadNames) throws java.io.IOException {
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        long featurized = report.path("counts").path("featurized").asLong(-1);
        long inferences = report.path("inferences").asLong(-1);
        if (featurized != n || inferences != n) {
            throw new IllegalStateException("expected " + n + " images featurized and " + n
                    + " inferences, report.json says featurized " + featurized + ", inferences " + inferences
                    + ": " + report);
        }
        double stage = report.path("timingsSeconds").path("featurize").asDouble(Double.NaN);
        System.out.println("    report.json: featurized " + featurized + ", inferences " + inferences
                + " (CNN once per image), timings " + report.path("timingsSeconds"));
        return new Run("pipeline", size, round, n, s, cpu, stage, before, BenchSupport.loadAverage(), roles,
                threadNames);
    }

    /**
     * {@code orchard featurize} as a fresh JVM ({@code --pipeline process}): the issue's "whole process", timed
     * from the child's start to its exit. The child ({@link FeaturizeProcess}) gets this JVM's flags (heap,
     * {@code --add-opens}; no agents), class path and environment; its CPU is read from this process's
     * reaped-children times ({@code /proc/self/stat}), and split by thread role by the child itself.
     */
    private static Run pipelineProcess(Path tree, Path out, Path modelDir, int batch, String master, int n,
                                       int size, int round) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-XX:StartFlight")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FeaturizeProcess.class.getName(), "featurize",
                "--input", tree.toString(), "--output", out.toString(), "--overwrite", "--model",
                modelDir.toString(), "--batch-size", String.valueOf(batch), "--master", master));
        Path log = Files.createTempFile("orchard-featurize-", ".log");
        String before = BenchSupport.loadAverage();
        long cpu0 = childrenCpuNanos();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = p.waitFor();
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (childrenCpuNanos() - cpu0) / 1e9;
        if (code != 0) {
            throw new IllegalStateException("orchard featurize (child JVM) exited with " + code + "; its output: " + log);
        }
        Map<String, Double> roles = Files.readAllLines(log).stream().filter(l -> l.startsWith(FeaturizeProcess.ROLES))
                .findFirst().map(FeaturizeProcess::decode).orElseThrow();
        double sampled = roles.values().stream().mapToDouble(Double::doubleValue).sum();
        roles.put("before main / unsampled", cpu - sampled);
        Files.delete(log);
        return checkedRun(out, n, size, round, s, cpu, before, roles, "");
    }

    /** CPU time of this process's terminated and waited-for children, from {@code /proc/self/stat}. */
    private static long childrenCpuNanos() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[13]) + Long.parseLong(f[14]); // cutime, cstime: fields 16 and 17
        return ticks * 1_000_000_000L / 100; // USER_HZ
    }

    /** Every pipeline feature vector equals the raw model's on the same decoded image. */
    private static void checkFeatures(Path out, Path modelDir, List<Path> sample, Map<String, Integer> source)
            throws Exception {
        ModelPackage pkg = ModelPackage.fromDirectory(modelDir, null);
        float[][] decoded = decodeAll(sample, pkg.spec());
        float[][] expected = new float[sample.size()][];
        try (LoadedModel model = ExecutorModels.load(pkg)) {
            for (int i = 0; i < decoded.length; i++) {
                expected[i] = model.run(decoded[i], 1)[0];
            }
        }
        List<FeatureRecord> got = Sink.readFeatureFolder(Storages.normalize(out.resolve("features").toString()),
                StorageOptions.defaults());
        double maxAbs = 0;
        for (FeatureRecord r : got) {
            Integer src = source.get(Storages.localPath(r.imageId()).toAbsolutePath().toString());
            if (src == null) {
                throw new IllegalStateException("pipeline wrote an unknown image id " + r.imageId());
            }
            float[] e = expected[src];
            if (e.length != r.features().length) {
                throw new IllegalStateException("feature length " + r.features().length + " != " + e.length);
            }
            for (int j = 0; j < e.length; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(e[j] - r.features()[j]) / Math.max(1, Math.abs(e[j])));
            }
        }
        System.out.printf(Locale.ROOT, "    features: %d pipeline vectors vs raw model (batch 1) on the same decoded "
                + "images: max |diff| / max(1, |x|) %.3g (tolerance %.0e) %s%n", got.size(), maxAbs, FEATURE_TOLERANCE,
                maxAbs <= FEATURE_TOLERANCE ? "OK" : "MISMATCH");
        if (got.size() != source.size() || maxAbs > FEATURE_TOLERANCE) {
            throw new IllegalStateException("pipeline features differ from the raw model's");
        }
    }

    private static void summary(List<Run> runs, int[] sizes, int rounds) {
        System.out.println();
        System.out.println("| size | round | raw images/s (1 session × all cores) | raw-streams images/s (1 session per "
                + "core) | pipeline images/s (whole CLI call) | vs raw | vs raw-streams | pipeline featurize stage "
                + "images/s | vs raw | vs raw-streams | CPU-ms/image raw; raw-streams; pipeline | load (raw; pipeline) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for (int size : sizes) {
            double rawSum = 0;
            double streamsSum = 0;
            double pipeSum = 0;
            double stageSum = 0;
            for (int round = 0; round < rounds; round++) {
                Run raw = find(runs, "raw", size, round);
                Run rs = find(runs, "raw-streams", size, round);
                Run pipe = find(runs, "pipeline", size, round);
                double stageIps = pipe.images() / pipe.stageSeconds();
                rawSum += raw.seconds();
                streamsSum += rs.seconds();
                pipeSum += pipe.seconds();
                stageSum += pipe.stageSeconds();
                System.out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %.1f | %.0f%% | %.0f%% "
                                + "| %.2f; %.2f; %.2f | %s; %s |%n",
                        size, round, raw.ips(), rs.ips(), pipe.ips(), 100 * pipe.ips() / raw.ips(),
                        100 * pipe.ips() / rs.ips(), stageIps, 100 * stageIps / raw.ips(), 100 * stageIps / rs.ips(),
                        1000 * raw.cpuSeconds() / raw.images(), 1000 * rs.cpuSeconds() / rs.images(),
                        1000 * pipe.cpuSeconds() / pipe.images(), raw.loadBefore(), pipe.loadBefore());
            }
            System.out.printf(Locale.ROOT, "| %d | all | | | | **%.0f%%** | **%.0f%%** | | **%.0f%%** | **%.0f%%** | | |%n",
                    size, 100 * rawSum / pipeSum, 100 * streamsSum / pipeSum, 100 * rawSum / stageSum,
                    100 * streamsSum / stageSum);
        }
    }

    private static Run find(List<Run> runs, String variant, int size, int round) {
        return runs.stream().filter(r -> r.variant().equals(variant) && r.size() == size && r.round() == round)
                .findFirst().orElseThrow();
    }
}
