package dev.orchard.bench.onnx;

import static dev.orchard.bench.pipeline.BenchSupport.parse;
import static dev.orchard.bench.pipeline.BenchSupport.loadAverage;
import static dev.orchard.bench.pipeline.BenchSupport.processCpuNanos;
import static dev.orchard.bench.pipeline.BenchSupport.cpuModel;
import static dev.orchard.bench.pipeline.BenchSupport.deleteRecursively;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.arch.MobileNetV2;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow Java ({@link LoadedModel#run}, what Orchard's pipeline uses) vs ONNX Runtime Java
 * ({@link OrtModel}) on the <b>same</b> folded MobileNetV2 with the <b>same</b> weights, in one
 * JVM, side by side: at each batch size the engines take turns (TF, ORT, TF, ORT, ... for
 * {@code --rounds} rounds) on the same seeded, already-preprocessed NHWC batch. The ONNX model is
 * made by {@link TfToOnnx} from the SavedModel TensorFlow runs, and before timing, each batch's
 * features from every ONNX Runtime variant are checked against TensorFlow's (relative max diff
 * below {@value #TOLERANCE}, else the run stops).
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests
 * TF_ENABLE_ONEDNN_OPTS=1 TF_CPP_MIN_LOG_LEVEL=2 java -Xmx4g \
 *   -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.onnx.OnnxVsTensorFlow --size 224 --batch 1,8,32,64 --seconds 5 --warmup 2 --rounds 2 \
 *   [--threads N] [--ort seq,par,seq-nospin] [--profile-batch 32] [--seed 42] [--tf-spin false]
 *   [--tf-pool-threads N]
 * </pre>
 *
 * ORT variants: {@code seq} (intra-op threads = {@code --threads}, inter-op 1, sequential
 * execution, graph optimization ALL, spinning on: ORT's default), {@code par} (the same in
 * parallel execution mode), {@code seq-nospin} (sequential, worker threads block instead of spin).
 * Each measurement: {@code --warmup} seconds (at least one batch), then {@code --seconds} (at least
 * one batch); wall images/s and process CPU-ms per image (spinning threads count as CPU). Load
 * average printed before, after each measurement and at the end. {@code --profile-batch B} adds
 * a per-layer-kind profile of both engines at batch B ({@link OpProfile}; ORT with the first
 * {@code --ort} variant's options).
 *
 * <p>TensorFlow's CPU intra-op thread pool may be <b>process-wide</b> (TensorFlow's {@code LocalDevice}
 * keeps a global Eigen pool made by the first session, unless {@code TF_OVERRIDE_GLOBAL_THREADPOOL}
 * is set; not confirmed by a measurement here). Here the first session is
 * {@code MobileNetV2.export}'s (default config: all cores, spinning), unless {@code --tf-spin false}
 * or {@code --tf-pool-threads N} make one first with {@code disable_thread_spinning} or N threads.
 */
public final class OnnxVsTensorFlow {

    static final double TOLERANCE = 1e-4;

    private OnnxVsTensorFlow() {}

    @FunctionalInterface
    interface Engine {
        float[][] run(float[] x, int n) throws Exception;
    }

    record Row(int batch, int round, String engine, double ips, double cpuMsPerImage, String load) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        int size = Integer.parseInt(a.getOrDefault("size", "224"));
        int[] batches = Arrays.stream(a.getOrDefault("batch", "1,8,32,64").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
        double warmup = Double.parseDouble(a.getOrDefault("warmup", "2"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        int threads = Integer.parseInt(a.getOrDefault("threads", String.valueOf(LoadedModel.defaultIntraOpThreads())));
        List<String> ortVariants = Arrays.asList(a.getOrDefault("ort", "seq").split(","));
        int profileBatch = Integer.parseInt(a.getOrDefault("profile-batch", "0"));
        if (ortVariants.isEmpty() || ortVariants.get(0).isBlank()) {
            throw new IllegalArgumentException("--ort needs at least one variant: seq, par or seq-nospin");
        }
        long seed = Long.parseLong(a.getOrDefault("seed", "42"));
        // TensorFlow's intra-op (Eigen) pool may be process-wide, made by the first session: make that one here if asked
        boolean tfSpin = Boolean.parseBoolean(a.getOrDefault("tf-spin", "true"));
        int tfPoolThreads = Integer.parseInt(a.getOrDefault("tf-pool-threads", "0"));
        AutoCloseable firstSession = null;
        if (!tfSpin || tfPoolThreads > 0) {
            firstSession = firstSession(tfPoolThreads > 0 ? tfPoolThreads : threads, tfSpin);
        }

        System.out.println("# TensorFlow Java vs ONNX Runtime Java, MobileNetV2-" + size + " (folded, seeded weights)");
        System.out.println("java " + System.getProperty("java.version") + ", " + cpuModel() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("TensorFlow " + TensorFlow.version() + " (TF_ENABLE_ONEDNN_OPTS="
                + System.getenv("TF_ENABLE_ONEDNN_OPTS") + "), ONNX Runtime " + OrtModel.version());
        if (!"1".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS"))) {
            System.out.println("WARNING: TF_ENABLE_ONEDNN_OPTS is not 1: TensorFlow runs without oneDNN (2-3x slower)");
        }
        if (firstSession != null) {
            System.out.println("TensorFlow's process-wide intra-op pool made first: "
                    + (tfPoolThreads > 0 ? tfPoolThreads : threads) + " threads, spinning " + (tfSpin ? "on" : "off"));
        }
        System.out.println("threads " + threads + ", rounds " + rounds + ", warmup " + warmup + " s, measure "
                + seconds + " s; load average before: " + loadAverage());

        Path dir = Files.createTempDirectory("orchard-onnx-vs-tf-");
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            MobileNetV2.export(dir, seed, size);
            ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
            long t0 = System.nanoTime();
            byte[] onnx = TfToOnnx.fromSavedModel(dir, spec);
            System.out.printf(Locale.ROOT, "ONNX export: %.1f MB in %.1f s (weights fetched from the SavedModel's"
                    + " session; NHWC input + Transpose, kernels OIHW)%n", onnx.length / 1e6, (System.nanoTime() - t0) / 1e9);

            LoadedModel tf = LoadedModel.load(dir, spec, threads);
            toClose.add(tf);
            Map<String, Engine> engines = new LinkedHashMap<>();
            engines.put("tf", tf::run);
            Map<String, OrtModel> orts = new LinkedHashMap<>();
            for (String v : ortVariants) {
                OrtModel.Options o = switch (v.strip()) {
                    case "seq" -> new OrtModel.Options(threads, false, true, null);
                    case "par" -> new OrtModel.Options(threads, true, true, null);
                    case "seq-nospin" -> new OrtModel.Options(threads, false, false, null);
                    default -> throw new IllegalArgumentException("--ort variants are seq, par, seq-nospin, not " + v);
                };
                OrtModel m = new OrtModel(onnx, size, size, o);
                toClose.add(m);
                orts.put("ort-" + v.strip(), m);
                engines.put("ort-" + v.strip(), m::run);
                System.out.println("ort-" + v.strip() + ": " + o.describe());
            }
            System.out.println("tf: LoadedModel.run, intra-op " + threads + ", inter-op 1, one inference thread");
            System.out.println();

            List<Row> rows = new ArrayList<>();
            System.out.println("| batch | round | engine | images/s | CPU-ms/image | load avg after |");
            System.out.println("|---:|---:|---|---:|---:|---|");
            for (int b : batches) {
                float[] x = randomBatch(b, spec.inputLength(), seed + b);
                float[][] reference = tf.run(x, b);
                for (Map.Entry<String, OrtModel> e : orts.entrySet()) {
                    double rel = OrtModel.relativeMaxDiff(e.getValue().run(x, b), reference);
                    if (!(rel < TOLERANCE)) {
                        throw new IllegalStateException(e.getKey() + " features differ from TensorFlow's at batch " + b
                                + ": relative max diff " + rel + " >= " + TOLERANCE + " (the ONNX export is wrong)");
                    }
                    System.out.printf(Locale.ROOT, "<!-- batch %d: %s vs tf relative max diff %.2e -->%n", b, e.getKey(),
                            rel);
                }
                for (int r = 0; r < rounds; r++) {
                    for (Map.Entry<String, Engine> e : engines.entrySet()) {
                        Row row = measure(e.getKey(), e.getValue(), x, b, r, warmup, seconds);
                        rows.add(row);
                        System.out.printf(Locale.ROOT, "| %d | %d | %s | %.1f | %.2f | %s |%n", b, r, row.engine(),
                                row.ips(), row.cpuMsPerImage(), row.load());
                    }
                }
            }
            System.out.println();
            summary(rows, batches, new ArrayList<>(engines.keySet()));

            if (profileBatch > 0) {
                System.out.println();
                OpProfile.compare(dir, spec, onnx, threads, orts.values().iterator().next().options(), profileBatch,
                        randomBatch(profileBatch, spec.inputLength(), seed + profileBatch),
                        Math.max(3, (int) Math.ceil(seconds)));
            }
        } finally {
            if (firstSession != null) {
                toClose.add(0, firstSession);
            }
            for (int i = toClose.size() - 1; i >= 0; i--) {
                toClose.get(i).close();
            }
            deleteRecursively(dir);
        }
        System.out.println();
        System.out.println("load average after: " + loadAverage());
    }

    /**
     * A session (on an empty graph) created before any other, so that TensorFlow's process-wide CPU
     * intra-op pool gets {@code threads} threads and {@code spin}ning or not
     * ({@code ConfigProto.experimental.disable_thread_spinning}). The caller closes it.
     */
    private static AutoCloseable firstSession(int threads, boolean spin) {
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .setExperimental(ConfigProto.Experimental.newBuilder().setDisableThreadSpinning(!spin))
                .build();
        Graph g = new Graph();
        Session s = new Session(g, config);
        return () -> {
            s.close();
            g.close();
        };
    }

    /** Mean over rounds per engine, and TF's images/s over each ORT variant's. */
    private static void summary(List<Row> rows, int[] batches, List<String> engines) {
        StringBuilder head = new StringBuilder("| batch |");
        StringBuilder rule = new StringBuilder("|---:|");
        for (String e : engines) {
            head.append(' ').append(e).append(" images/s | ").append(e).append(" CPU-ms/image |");
            rule.append("---:|---:|");
        }
        for (String e : engines.subList(1, engines.size())) {
            head.append(" TF/").append(e).append(" (images/s) |");
            rule.append("---:|");
        }
        System.out.println("Mean over rounds:");
        System.out.println();
        System.out.println(head);
        System.out.println(rule);
        for (int b : batches) {
            StringBuilder line = new StringBuilder("| " + b + " |");
            double tfIps = 0;
            List<Double> ips = new ArrayList<>();
            for (String e : engines) {
                double[] m = mean(rows, b, e);
                ips.add(m[0]);
                if (e.equals("tf")) {
                    tfIps = m[0];
                }
                line.append(String.format(Locale.ROOT, " %.1f | %.2f |", m[0], m[1]));
            }
            for (int i = 1; i < engines.size(); i++) {
                line.append(String.format(Locale.ROOT, " %.2f |", tfIps / ips.get(i)));
            }
            System.out.println(line);
        }
    }

    private static double[] mean(List<Row> rows, int batch, String engine) {
        double ips = 0;
        double cpu = 0;
        int n = 0;
        for (Row r : rows) {
            if (r.batch() == batch && r.engine().equals(engine)) {
                ips += r.ips();
                cpu += r.cpuMsPerImage();
                n++;
            }
        }
        return new double[] {ips / n, cpu / n};
    }

    private static Row measure(String name, Engine engine, float[] x, int batch, int round, double warmup,
                               double seconds) throws Exception {
        long end = System.nanoTime() + (long) (warmup * 1e9);
        do {
            engine.run(x, batch);
        } while (System.nanoTime() < end);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        int runs = 0;
        do {
            engine.run(x, batch);
            runs++;
        } while (System.nanoTime() - t0 < seconds * 1e9);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        long images = (long) runs * batch;
        return new Row(batch, round, name, images / wall, 1000 * cpu / images, loadAverage());
    }

    static float[] randomBatch(int n, int len, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * len];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        return x;
    }

}
