package dev.orchard.bench.model;

import static dev.orchard.bench.pipeline.BenchSupport.deleteRecursively;
import static dev.orchard.bench.pipeline.BenchSupport.loadAverage;
import static dev.orchard.bench.pipeline.BenchSupport.parse;
import static dev.orchard.bench.pipeline.BenchSupport.processCpuNanos;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.model.arch.Vgg16;
import dev.orchard.internal.model.arch.WeightImport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Does a SavedModel made from imported weights run as fast as one made from seeded weights? Both are the same
 * graph (batch norm folded, same ops); only the numbers in {@code variables/} differ. Exports both, loads both
 * in one process, and alternates them round by round (imported, seeded, seeded, imported, ...) so that machine
 * noise hits both alike; prints CPU-ms and wall-ms per image per round and the median ratio.
 *
 * <pre>
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.model.ImportedVsSeeded --weights FILE [--size 224] [--batch 16] [--rounds 6] [--seconds 5]
 * </pre>
 */
public final class ImportedVsSeeded {

    private ImportedVsSeeded() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        Path weights = Path.of(a.get("weights"));
        int size = Integer.parseInt(a.getOrDefault("size", "224"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "16"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "6"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
        int threads = Integer.parseInt(a.getOrDefault("threads", String.valueOf(LoadedModel.defaultIntraOpThreads())));
        Path imported = Files.createTempDirectory("orchard-bench-imported-");
        Path seeded = Files.createTempDirectory("orchard-bench-seeded-");
        try {
            WeightImport.Result r = WeightImport.export(weights, null, null, size, imported);
            if (r.arch().equals(MobileNetV2.ARCH)) {
                MobileNetV2.export(seeded, 42, size, r.alpha());
            } else if (r.featureDim() == Vgg16.FEATURE_DIM) {
                Vgg16.export(seeded, 42, size);
            } else {
                throw new IllegalArgumentException("VGG16 notop has no seeded export to compare with; use MobileNetV2");
            }
            System.out.println("# Imported vs seeded weights, " + r.arch() + (Double.isNaN(r.alpha()) ? "" : " alpha "
                    + r.alpha()) + " at " + size + " px, batch " + batch + ", " + threads + " intra-op threads");
            System.out.println("weights " + r.origin().file() + " (" + r.origin().format().label() + ")");
            System.out.println("load average before: " + loadAverage());
            System.out.println("| round | imported CPU-ms/img | seeded CPU-ms/img | imported wall-ms/img | seeded wall-ms/img |");
            System.out.println("|---:|---:|---:|---:|---:|");
            ModelSpec specI = ModelPackage.fromDirectory(imported, null).spec();
            ModelSpec specS = ModelPackage.fromDirectory(seeded, null).spec();
            double[] cpuRatio = new double[rounds];
            double[] wallRatio = new double[rounds];
            try (LoadedModel mi = LoadedModel.load(imported, specI, threads);
                 LoadedModel ms = LoadedModel.load(seeded, specS, threads)) {
                float[] x = new float[batch * specI.inputLength()];
                Random rnd = new Random(1);
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextFloat() * 2 - 1;
                }
                time(mi, x, batch, 2); // warm-up both
                time(ms, x, batch, 2);
                for (int k = 0; k < rounds; k++) {
                    boolean importedFirst = k % 2 == 0;
                    double[] first = time(importedFirst ? mi : ms, x, batch, seconds);
                    double[] second = time(importedFirst ? ms : mi, x, batch, seconds);
                    double[] ti = importedFirst ? first : second;
                    double[] ts = importedFirst ? second : first;
                    cpuRatio[k] = ti[0] / ts[0];
                    wallRatio[k] = ti[1] / ts[1];
                    System.out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.2f |%n", k + 1, ti[0], ts[0], ti[1], ts[1]);
                }
            }
            System.out.printf(Locale.ROOT, "median imported/seeded: CPU %.3f, wall %.3f%n", median(cpuRatio),
                    median(wallRatio));
            System.out.println("load average after: " + loadAverage());
        } finally {
            deleteRecursively(imported);
            deleteRecursively(seeded);
        }
    }

    /** {CPU-ms, wall-ms} per image over at least {@code seconds}. */
    private static double[] time(LoadedModel m, float[] x, int batch, double seconds) {
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        int runs = 0;
        do {
            m.run(x, batch);
            runs++;
        } while (System.nanoTime() - t0 < seconds * 1e9);
        double images = (double) runs * batch;
        return new double[] {(processCpuNanos() - c0) / 1e6 / images, (System.nanoTime() - t0) / 1e6 / images};
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
