package dev.orchard.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.job.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A re-run with nothing new vs the full run: {@code orchard featurize} over every image, and
 * {@code orchard featurize --incremental-from <that output>} over the same unchanged input (lists, joins the
 * listing with the previous rows, featurizes nothing), side by side in one JVM, interleaved (round 0: full then
 * no-op; round 1: no-op then full). Each call is timed whole, in-process through {@link Main#execute} (Spark
 * start and stop included); the report's {@code inferences} must be the image count for the full run and 0 for
 * the no-op.
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,data-samples,job,benchmarks -am package -DskipTests
 * TF_CPP_MIN_LOG_LEVEL=2 java $(spark opens) -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.pipeline.IncrementalNoOp [--images 5000] [--size 224] [--rounds 2] [--master local[2]]
 * </pre>
 */
public final class IncrementalNoOp {

    private IncrementalNoOp() {}

    record Run(String variant, int round, double seconds, long inferences, long reused, String loadBefore) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int want = Integer.parseInt(a.getOrDefault("images", "5000"));
        int size = Integer.parseInt(a.getOrDefault("size", "224"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        String master = a.getOrDefault("master", "local[2]");
        Path training = BenchSupport.sampleRoot(a);
        Path work = Files.createTempDirectory("orchard-incremental-bench-");
        try {
            Path tree = work.resolve("Training");
            int n = BenchSupport.replicate(BenchSupport.sampleImages(training), training, tree, want).size();
            Path model = work.resolve("mobilenet_v2-" + size);
            MobileNetV2.export(model, 42, size);
            System.out.printf(Locale.ROOT, "# Incremental no-op vs full featurize: %d images, MobileNetV2 %d, %s, %s%n",
                    n, size, master, BenchSupport.cpuModel());
            List<Run> runs = new ArrayList<>();
            Path base = null;
            int seq = 0;
            for (int round = 0; round < rounds; round++) {
                boolean fullFirst = round % 2 == 0 || base == null;
                for (int step = 0; step < 2; step++) {
                    boolean full = (step == 0) == fullFirst;
                    Path out = work.resolve("out-" + seq++);
                    List<String> cmd = new ArrayList<>(List.of("featurize", "--input", tree.toString(), "--output",
                            out.toString(), "--model", model.toString(), "--master", master, "--no-event-log"));
                    if (!full) {
                        cmd.addAll(List.of("--incremental-from", base.toString()));
                    }
                    String load = BenchSupport.loadAverage();
                    long t0 = System.nanoTime();
                    int code = Main.execute(cmd.toArray(String[]::new));
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (code != 0) {
                        throw new IllegalStateException("orchard " + cmd + " exited " + code);
                    }
                    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
                    long inferences = report.path("inferences").asLong(-1);
                    long reused = report.path("counts").path("reused").asLong(0);
                    if (inferences != (full ? n : 0) || reused != (full ? 0 : n)) {
                        throw new IllegalStateException((full ? "full" : "no-op") + " run: inferences " + inferences
                                + ", reused " + reused + " for " + n + " images");
                    }
                    Run r = new Run(full ? "full" : "no-op", round, s, inferences, reused, load);
                    runs.add(r);
                    System.out.printf(Locale.ROOT, "round %d %-6s %7.2f s  inferences %d  reused %d  load %s%n",
                            round, r.variant(), s, inferences, reused, load);
                    if (full && base == null) {
                        base = out;
                    } else {
                        BenchSupport.deleteRecursively(out);
                    }
                }
            }
            System.out.println();
            System.out.println("| round | full run s | no-op incremental s | no-op / full |");
            System.out.println("|---:|---:|---:|---:|");
            for (int round = 0; round < rounds; round++) {
                int rr = round;
                double full = runs.stream().filter(r -> r.round() == rr && r.variant().equals("full"))
                        .mapToDouble(Run::seconds).sum();
                double noop = runs.stream().filter(r -> r.round() == rr && r.variant().equals("no-op"))
                        .mapToDouble(Run::seconds).sum();
                System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.1f %% |%n", round, full, noop, 100 * noop / full);
            }
        } finally {
            BenchSupport.deleteRecursively(work);
        }
    }
}
