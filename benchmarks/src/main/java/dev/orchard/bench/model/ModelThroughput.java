package dev.orchard.bench.model;

import static dev.orchard.bench.pipeline.BenchSupport.parse;
import static dev.orchard.bench.pipeline.BenchSupport.loadAverage;
import static dev.orchard.bench.pipeline.BenchSupport.processCpuNanos;
import static dev.orchard.bench.pipeline.BenchSupport.deleteRecursively;

import dev.orchard.internal.featurize.ImageDecodeException;
import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.model.arch.ArchStats;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.model.arch.Vgg16;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
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
import javax.imageio.ImageIO;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeJpeg;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Raw model throughput, single process, no Spark: images/s of Orchard's exported MobileNetV2 and
 * VGG16 SavedModels through {@link LoadedModel#run} at several batch sizes, GFLOP/s as a fraction of
 * this CPU's FP32 peak ({@link CpuPeak}), and where decode + resize should run (Java ImageIO +
 * {@link ImageDecoder} vs a TensorFlow graph of {@code DecodeJpeg} + {@code ResizeBilinear}).
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.model.ModelThroughput [--arch mobilenet_v2,vgg16] [--batch 1,8,32,64] \
 *   [--seconds 10] [--warmup 3] [--size 224] [--threads N] [--decode-images 256] [--ghz G]
 * </pre>
 *
 * Input is seeded random floats already preprocessed (the model's cost does not depend on pixel
 * values). Each configuration runs at least one batch and {@code --warmup} seconds, then at least one batch and
 * {@code --seconds}; it reports wall images/s and process CPU-ms per image (CPU time is steadier
 * than wall time on a shared machine). The load average is printed before and after.
 */
public final class ModelThroughput {

    private ModelThroughput() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        List<String> archs = Arrays.asList(a.getOrDefault("arch", "mobilenet_v2,vgg16").split(","));
        int[] batches = Arrays.stream(a.getOrDefault("batch", "1,8,32,64").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
        double warmup = Double.parseDouble(a.getOrDefault("warmup", "3"));
        int size = Integer.parseInt(a.getOrDefault("size", "224"));
        int threads = Integer.parseInt(a.getOrDefault("threads", String.valueOf(LoadedModel.defaultIntraOpThreads())));
        int decodeImages = Integer.parseInt(a.getOrDefault("decode-images", "256"));
        CpuPeak peak = CpuPeak.detect(a.containsKey("ghz") ? Double.parseDouble(a.get("ghz")) : null);

        System.out.println("# Orchard raw model throughput");
        System.out.println("java " + System.getProperty("java.version") + ", " + peak.describe());
        System.out.println("intra-op threads " + threads + ", load average before: " + loadAverage());
        System.out.println();
        if (decodeImages > 0) {
            decodeBenchmark(decodeImages, size);
        }
        System.out.println("| model | batch | images/s | wall ms/image | CPU-ms/image | GFLOP/s | % of FP32 peak |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (String arch : archs) {
            if (arch.isBlank() || arch.equals("none")) {
                continue; // --arch none: only the decode comparison
            }
            Path dir = Files.createTempDirectory("orchard-bench-" + arch + "-");
            try {
                ArchStats stats;
                switch (arch.strip()) {
                    case MobileNetV2.ARCH -> {
                        MobileNetV2.export(dir, 42, size);
                        stats = MobileNetV2.stats(size);
                    }
                    case Vgg16.ARCH -> {
                        Vgg16.export(dir, 42, size);
                        stats = Vgg16.stats(size);
                    }
                    default -> throw new IllegalArgumentException("--arch must be mobilenet_v2 or vgg16, not " + arch);
                }
                ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
                try (LoadedModel model = LoadedModel.load(dir, spec, threads)) {
                    for (int b : batches) {
                        runOne(arch + "-" + size, model, spec, stats, b, warmup, seconds, peak);
                    }
                }
            } finally {
                deleteRecursively(dir);
            }
        }
        System.out.println();
        System.out.println("load average after: " + loadAverage());
    }

    private static void runOne(String name, LoadedModel model, ModelSpec spec, ArchStats stats, int batch,
                               double warmup, double seconds, CpuPeak peak) {
        Random r = new Random(batch);
        float[] x = new float[batch * spec.inputLength()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        long end = System.nanoTime() + (long) (warmup * 1e9);
        do {
            model.run(x, batch);
        } while (System.nanoTime() < end);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        int runs = 0;
        do {
            model.run(x, batch);
            runs++;
        } while (System.nanoTime() - t0 < seconds * 1e9);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        long images = (long) runs * batch;
        double ips = images / wall;
        double gflops = ips * stats.flopsPerImage() / 1e9;
        System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.2f | %.2f | %.1f | %.0f%% |%n", name, batch, ips,
                1000 * wall / images, 1000 * cpu / images, gflops, 100 * gflops / peak.gflops());
    }

    /**
     * Decode + resize + preprocess cost per 100x100 JPEG to {@code size}: Java (ImageIO and
     * {@link ImageDecoder}) vs a TensorFlow graph (one {@code DecodeJpeg}, {@code ResizeBilinear}
     * with half-pixel centers and the preprocessing per image, batched into one run), both on one
     * thread so the numbers are CPU-µs per image; and how far apart their outputs are.
     */
    static void decodeBenchmark(int count, int size) throws IOException, ImageDecodeException {
        List<byte[]> jpegs = syntheticJpegs(count, 100, 7);
        ImageDecoder decoder = new ImageDecoder(size, size, Preprocessing.MOBILENET_V2, ImageDecoder.DEFAULT_MAX_PIXELS);
        int len = decoder.inputLength();
        float[] javaOut = new float[count * len];
        for (int rep = 0; rep < 2; rep++) { // warm-up, then measure
            for (int i = 0; i < count; i++) {
                decoder.decodeInto(jpegs.get(i), javaOut, i * len);
            }
        }
        int reps = 3;
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        for (int rep = 0; rep < reps; rep++) {
            for (int i = 0; i < count; i++) {
                decoder.decodeInto(jpegs.get(i), javaOut, i * len);
            }
        }
        double javaUs = (System.nanoTime() - t0) / 1e3 / (reps * count);
        double javaCpuUs = (processCpuNanos() - c0) / 1e3 / (reps * count);

        int batch = Math.min(count, 64);
        float[] tfOut = new float[count * len];
        double tfUs;
        double tfCpuUs;
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TString> bytes = tf.placeholder(TString.class, Placeholder.shape(Shape.of(batch)));
            List<Operand<TFloat32>> images = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                var one = tf.image.decodeJpeg(tf.gather(bytes, tf.constant(i), tf.constant(0)), DecodeJpeg.channels(3L));
                var resized = tf.image.resizeBilinear(tf.expandDims(one, tf.constant(0)),
                        tf.constant(new int[] {size, size}), ResizeBilinear.halfPixelCenters(true));
                images.add(tf.math.sub(tf.math.div(resized, tf.constant(127.5f)), tf.constant(1f)));
            }
            Operand<TFloat32> out = tf.concat(images, tf.constant(0));
            ConfigProto oneThread = ConfigProto.newBuilder().setIntraOpParallelismThreads(1)
                    .setInterOpParallelismThreads(1).build();
            try (Session s = new Session(g, oneThread)) {
                int batches = count / batch;
                for (int rep = 0; rep < 1 + reps; rep++) {
                    if (rep == 1) {
                        c0 = processCpuNanos();
                        t0 = System.nanoTime();
                    }
                    for (int b = 0; b < batches; b++) {
                        byte[][] chunk = jpegs.subList(b * batch, (b + 1) * batch).toArray(new byte[0][]);
                        try (TString in = TString.tensorOfBytes(Shape.of(batch), DataBuffers.ofObjects(chunk));
                             Result r = s.runner().feed(bytes, in).fetch(out).run()) {
                            ((TFloat32) r.get(0)).copyTo(DataBuffers.of(tfOut, false, false).offset((long) b * batch * len));
                        }
                    }
                }
                tfUs = (System.nanoTime() - t0) / 1e3 / (reps * batches * batch);
                tfCpuUs = (processCpuNanos() - c0) / 1e3 / (reps * batches * batch);
            }
        }
        double maxDiff = 0;
        double sumDiff = 0;
        int compared = (count / batch) * batch * len;
        for (int i = 0; i < compared; i++) {
            double d = Math.abs(javaOut[i] - tfOut[i]);
            maxDiff = Math.max(maxDiff, d);
            sumDiff += d;
        }
        System.out.println("Decode + resize 100x100 JPEG -> " + size + "x" + size + " + mobilenet_v2 preprocessing, "
                + "one thread, " + count + " synthetic images:");
        System.out.println();
        System.out.println("| path | wall µs/image | CPU-µs/image |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| Java ImageIO + ImageDecoder (half-pixel bilinear) | %.0f | %.0f |%n",
                javaUs, javaCpuUs);
        System.out.printf(Locale.ROOT, "| TF graph DecodeJpeg + ResizeBilinear(halfPixelCenters), batch %d | %.0f | %.0f |%n",
                batch, tfUs, tfCpuUs);
        System.out.printf(Locale.ROOT, "%nJava vs TF outputs (preprocessed units, 1 = 127.5 levels): max |diff| %.4f,"
                + " mean |diff| %.5f (the JPEG decoders' IDCT/upsampling differ)%n%n", maxDiff, sumDiff / compared);
    }

    /** Fruit-like test images: a lit coloured disc with noise on a light background, as JPEG (quality 0.9). */
    static List<byte[]> syntheticJpegs(int count, int side, long seed) throws IOException {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(245, 245, 245));
            g.fillRect(0, 0, side, side);
            Color base = Color.getHSBColor(r.nextFloat(), 0.6f + 0.4f * r.nextFloat(), 0.5f + 0.5f * r.nextFloat());
            g.setPaint(new GradientPaint(0, 0, base.brighter(), side, side, base.darker()));
            int d = side / 2 + r.nextInt(side / 3);
            g.fillOval((side - d) / 2, (side - d) / 2, d, d);
            g.dispose();
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int p = img.getRGB(x, y);
                    int n = r.nextInt(9) - 4;
                    int rr = clamp((p >> 16 & 0xff) + n);
                    int gg = clamp((p >> 8 & 0xff) + n);
                    int bb = clamp((p & 0xff) + n);
                    img.setRGB(x, y, rr << 16 | gg << 8 | bb);
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(img, "jpg", bytes);
            out.add(bytes.toByteArray());
        }
        return out;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

}
