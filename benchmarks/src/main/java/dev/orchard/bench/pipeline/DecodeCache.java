package dev.orchard.bench.pipeline;

import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.internal.model.Preprocessing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@link ImageDecoder} on the sample JPEGs with ImageIO's stream cache on (a temporary file per image,
 * {@code ImageIO.createImageInputStream}'s default) and off (memory), interleaved in one run. Measures
 * what an {@code ImageDecoder} that builds its {@code ImageInputStream} itself saves; with that fix in
 * place both rows run the same code (the flag no longer matters).
 *
 * <pre>
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.pipeline.DecodeCache [--size 224] [--rounds 6]
 * </pre>
 */
public final class DecodeCache {

    private DecodeCache() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int size = Integer.parseInt(a.getOrDefault("size", "224"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "6"));
        List<Path> sample = BenchSupport.sampleImages(BenchSupport.sampleRoot(a));
        byte[][] bytes = new byte[sample.size()][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = Files.readAllBytes(sample.get(i));
        }
        ImageDecoder decoder = new ImageDecoder(size, size, Preprocessing.MOBILENET_V2, ImageDecoder.DEFAULT_MAX_PIXELS);
        float[] out = new float[decoder.inputLength()];
        System.out.println("# ImageDecoder, " + bytes.length + " sample JPEGs to " + size + " px, one thread; load "
                + BenchSupport.loadAverage());
        double[] sum = new double[2];
        for (int r = -1; r < rounds; r++) { // round -1 warms the JIT
            for (int k = 0; k < 2; k++) {
                boolean cache = (k == 0) == (r % 2 == 0);
                ImageIO.setUseCache(cache);
                long t0 = System.nanoTime();
                for (byte[] b : bytes) {
                    decoder.decodeInto(b, out, 0);
                }
                double us = (System.nanoTime() - t0) / 1e3 / bytes.length;
                if (r >= 0) {
                    sum[cache ? 0 : 1] += us;
                    System.out.printf(Locale.ROOT, "round %d, ImageIO cache %-5s: %.0f µs/image%n", r, cache, us);
                }
            }
        }
        System.out.printf(Locale.ROOT, "mean: file cache %.0f µs/image, memory %.0f µs/image (%.2fx); load %s%n",
                sum[0] / rounds, sum[1] / rounds, sum[0] / sum[1], BenchSupport.loadAverage());
    }
}
