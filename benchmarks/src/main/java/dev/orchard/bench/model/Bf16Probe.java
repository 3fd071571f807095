package dev.orchard.bench.model;

import dev.orchard.internal.model.arch.MobileNetV2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;

/**
 * Investigation, not a feature: does TensorFlow Java 1.1.0 run Orchard's MobileNetV2 in bfloat16
 * when asked through {@code ConfigProto.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16
 * = ON} (grappler's oneDNN bf16 rewrite), how fast, and how close are the features to fp32
 * (cosine similarity per image)?
 *
 * <pre>
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.model.Bf16Probe [size=224] [images=32] [seconds=5]
 * </pre>
 */
public final class Bf16Probe {

    private Bf16Probe() {}

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 224;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        Path dir = Files.createTempDirectory("orchard-bf16-");
        try {
            MobileNetV2.export(dir, 42, size);
            float[] x = new float[n * size * size * 3];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextFloat() * 2 - 1;
            }
            float[][] fp32 = run(dir, x, n, size, false, seconds);
            float[][] bf16 = run(dir, x, n, size, true, seconds);
            double min = 1;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double c = cosine(fp32[i], bf16[i]);
                min = Math.min(min, c);
                sum += c;
            }
            System.out.printf(Locale.ROOT, "cosine(bf16, fp32) over %d images: mean %.6f, min %.6f%n", n, sum / n, min);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static float[][] run(Path dir, float[] x, int n, int size, boolean bf16, double seconds) {
        RewriterConfig.Toggle t = bf16 ? RewriterConfig.Toggle.ON : RewriterConfig.Toggle.DEFAULT;
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(Runtime.getRuntime().availableProcessors())
                .setInterOpParallelismThreads(1)
                .setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(
                        RewriterConfig.newBuilder().setAutoMixedPrecisionOnednnBfloat16(t)))
                .build();
        try (SavedModelBundle b = SavedModelBundle.loader(dir.toString()).withTags("serve").withConfigProto(config).load();
             TFloat32 in = TFloat32.tensorOf(Shape.of(n, size, size, 3), DataBuffers.of(x, true, false))) {
            float[] flat = new float[n * MobileNetV2.FEATURE_DIM];
            runOnce(b, in, flat); // warm-up (grappler rewrites on first run)
            long t0 = System.nanoTime();
            int runs = 0;
            do {
                runOnce(b, in, flat);
                runs++;
            } while (System.nanoTime() - t0 < seconds * 1e9);
            double ms = (System.nanoTime() - t0) / 1e6 / (runs * (double) n);
            System.out.printf(Locale.ROOT, "%s: %.2f ms/image (batch %d, %d runs)%n", bf16 ? "bf16 rewrite ON" : "fp32",
                    ms, n, runs);
            float[][] rows = new float[n][MobileNetV2.FEATURE_DIM];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * MobileNetV2.FEATURE_DIM, rows[i], 0, MobileNetV2.FEATURE_DIM);
            }
            return rows;
        }
    }

    private static void runOnce(SavedModelBundle b, TFloat32 in, float[] flat) {
        try (Result r = b.session().runner().feed("input:0", in).fetch("features:0").run()) {
            ((TFloat32) r.get(0)).copyTo(DataBuffers.of(flat, false, false));
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
