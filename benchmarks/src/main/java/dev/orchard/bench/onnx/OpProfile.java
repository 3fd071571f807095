package dev.orchard.bench.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.internal.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * Where each engine spends its time, per MobileNetV2 layer kind (stem, expand 1x1, depthwise 3x3,
 * project 1x1, residual add, head 1x1, pool, other) and per executed op type: TensorFlow through a
 * {@code FULL_TRACE} {@link RunOptions} (its step stats: each op's start to end, on the session's
 * executor) on a session configured like {@code LoadedModel}'s, run on one dedicated thread; ONNX
 * Runtime through its own profiler (JSON trace, {@code *_kernel_time} events). Times are µs of
 * wall clock per image, summed over ops (ops run one at a time in both: inter-op 1, sequential).
 */
final class OpProfile {

    private OpProfile() {}

    static void compare(Path dir, ModelSpec spec, byte[] onnx, int threads, OrtModel.Options ortOptions, int batch,
                        float[] x, int runs) throws Exception {
        int warm = 3;
        Map<String, Double> tfKinds = new TreeMap<>();
        Map<String, Double> tfOps = new TreeMap<>();
        Map<String, Double> tfNodes = new TreeMap<>();
        double tfWall = tfProfile(dir, spec, threads, batch, x, warm, runs, tfKinds, tfOps, tfNodes);

        Map<String, Double> ortKinds = new TreeMap<>();
        Map<String, Double> ortOps = new TreeMap<>();
        Map<String, Double> ortNodes = new TreeMap<>();
        double ortWall = ortProfile(onnx, spec, ortOptions, batch, x, warm, runs, ortKinds, ortOps, ortNodes);

        System.out.printf(Locale.ROOT, "Per-layer-kind profile, batch %d, %d traced runs each (µs per image, summed"
                + " op times; traced wall: TF %.0f, ORT %.0f µs/image; ORT %s):%n%n", batch, runs, tfWall, ortWall,
                ortOptions.describe());
        System.out.println("| layer kind | TF µs/image | ORT µs/image | TF/ORT |");
        System.out.println("|---|---:|---:|---:|");
        Set<String> kinds = new LinkedHashSet<>(tfKinds.keySet());
        kinds.addAll(ortKinds.keySet());
        double tfSum = 0;
        double ortSum = 0;
        for (String k : kinds) {
            double t = tfKinds.getOrDefault(k, 0.0);
            double o = ortKinds.getOrDefault(k, 0.0);
            tfSum += t;
            ortSum += o;
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %s |%n", k, t, o,
                    o > 0 ? String.format(Locale.ROOT, "%.2f", t / o) : "-");
        }
        System.out.printf(Locale.ROOT, "| **sum of ops** | %.0f | %.0f | %.2f |%n%n", tfSum, ortSum, tfSum / ortSum);
        System.out.println("Op types as executed (µs/image): TF " + format(tfOps));
        System.out.println("ORT " + format(ortOps));
        System.out.println("Slowest nodes (µs/image): TF " + top(tfNodes, 12));
        System.out.println("ORT " + top(ortNodes, 12));
    }

    private static String top(Map<String, Double> nodes, int k) {
        List<Map.Entry<String, Double>> l = new ArrayList<>(nodes.entrySet());
        l.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Double> e : l.subList(0, Math.min(k, l.size()))) {
            s.append(String.format(Locale.ROOT, "%s %.0f; ", e.getKey(), e.getValue()));
        }
        return s.toString();
    }

    private static String format(Map<String, Double> ops) {
        List<Map.Entry<String, Double>> l = new ArrayList<>(ops.entrySet());
        l.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Double> e : l) {
            s.append(String.format(Locale.ROOT, "%s %.0f; ", e.getKey(), e.getValue()));
        }
        return s.toString();
    }

    /** @return traced wall µs per image */
    private static double tfProfile(Path dir, ModelSpec spec, int threads, int batch, float[] x, int warm, int runs,
                                    Map<String, Double> kinds, Map<String, Double> ops, Map<String, Double> nodes)
            throws Exception {
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1).build();
        RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
        ExecutorService one = Executors.newSingleThreadExecutor(); // oneDNN: keep Session.run on one thread
        try (SavedModelBundle b = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(config)
                .load()) {
            return one.submit(() -> {
                long wall = 0;
                int h = spec.imageHeight();
                int w = spec.imageWidth();
                for (int i = 0; i < warm + runs; i++) {
                    long t0 = System.nanoTime();
                    try (TFloat32 in = TFloat32.tensorOf(Shape.of(batch, h, w, 3),
                            DataBuffers.of(x, true, false).narrow((long) batch * h * w * 3));
                         Result r = b.session().runner().feed(spec.inputTensor(), in).fetch(spec.outputTensor())
                                 .setOptions(trace).runAndFetchMetadata()) {
                        if (i < warm) {
                            continue;
                        }
                        wall += System.nanoTime() - t0;
                        RunMetadata md = r.getMetadata().orElseThrow();
                        for (DeviceStepStats d : md.getStepStats().getDevStatsList()) {
                            for (NodeExecStats s : d.getNodeStatsList()) {
                                double us = s.getOpEndRelMicros() - s.getOpStartRelMicros();
                                String op = tfOpType(s);
                                if (op.startsWith("_Arg") || op.startsWith("_Retval") || op.equals("NoOp")) {
                                    continue;
                                }
                                kinds.merge(kind(s.getNodeName()), us, Double::sum);
                                ops.merge(op, us, Double::sum);
                                nodes.merge(s.getNodeName(), us, Double::sum);
                            }
                        }
                    }
                }
                double per = (double) runs * batch;
                kinds.replaceAll((k, v) -> v / per);
                ops.replaceAll((k, v) -> v / per);
                nodes.replaceAll((k, v) -> v / per);
                return wall / 1e3 / per;
            }).get();
        } finally {
            one.shutdown();
        }
    }

    /** The op type from a timeline label {@code "name = Op(inputs)"}, or the node name. */
    private static String tfOpType(NodeExecStats s) {
        String label = s.getTimelineLabel();
        int eq = label.indexOf(" = ");
        int paren = label.indexOf('(', eq + 3);
        if (eq >= 0 && paren > eq) {
            return label.substring(eq + 3, paren);
        }
        return s.getNodeName();
    }

    /** @return traced wall µs per image */
    private static double ortProfile(byte[] onnx, ModelSpec spec, OrtModel.Options options, int batch, float[] x,
                                     int warm, int runs, Map<String, Double> kinds, Map<String, Double> ops,
                                     Map<String, Double> nodes) throws Exception {
        Path prefix = Files.createTempDirectory("orchard-ort-profile-").resolve("ort");
        String file;
        long wall = 0;
        try (OrtModel m = new OrtModel(onnx, spec.imageHeight(), spec.imageWidth(),
                new OrtModel.Options(options.intraOpThreads(), options.parallelExecution(), options.spinning(),
                        prefix.toString()))) {
            for (int i = 0; i < warm + runs; i++) {
                long t0 = System.nanoTime();
                m.run(x, batch);
                if (i >= warm) {
                    wall += System.nanoTime() - t0;
                }
            }
            file = m.endProfiling();
        }
        Path json = Path.of(file).isAbsolute() ? Path.of(file) : Path.of(file).toAbsolutePath();
        if (!Files.exists(json)) {
            json = prefix.getParent().resolve(Path.of(file).getFileName());
        }
        JsonNode events = new ObjectMapper().readTree(json.toFile());
        // the measured runs are the last `runs` model_run events: drop node events before them
        List<Long> runStarts = new ArrayList<>();
        for (JsonNode e : events) {
            if ("model_run".equals(e.path("name").asText())) {
                runStarts.add(e.path("ts").asLong());
            }
        }
        runStarts.sort(null);
        long from = runStarts.size() >= runs ? runStarts.get(runStarts.size() - runs) : Long.MIN_VALUE;
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith("_kernel_time") || e.path("ts").asLong() < from) {
                continue;
            }
            double us = e.path("dur").asDouble();
            String node = name.substring(0, name.length() - "_kernel_time".length());
            kinds.merge(kind(node), us, Double::sum);
            ops.merge(e.path("args").path("op_name").asText("?"), us, Double::sum);
            nodes.merge(node, us, Double::sum);
        }
        Files.deleteIfExists(json);
        Files.deleteIfExists(prefix.getParent());
        double per = (double) runs * batch;
        kinds.replaceAll((k, v) -> v / per);
        ops.replaceAll((k, v) -> v / per);
        nodes.replaceAll((k, v) -> v / per);
        return wall / 1e3 / per;
    }

    /** MobileNetV2 layer kind from a node name (TF's or ORT's, both keep the Keras layer prefix). */
    static String kind(String node) {
        if (node.contains("_depthwise")) {
            return "depthwise 3x3";
        }
        if (node.contains("_expand")) {
            return "expand 1x1";
        }
        if (node.contains("_project") || node.contains("_add")) {
            // TF's oneDNN remapper names a Conv2D+BiasAdd+AddV2 fusion after the Add; ORT fuses the Add into the Conv
            return "project 1x1 (+ residual add)";
        }
        if (node.startsWith("Conv1")) {
            return "stem 3x3/2";
        }
        if (node.startsWith("Conv_1")) {
            return "head 1x1 -> 1280";
        }
        if (node.startsWith("global_average") || node.startsWith("features")) {
            return "pool + output";
        }
        return "other (layout, input/output)";
    }
}
