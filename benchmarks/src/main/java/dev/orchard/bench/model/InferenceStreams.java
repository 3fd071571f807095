package dev.orchard.bench.model;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.arch.MobileNetV2;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw MobileNetV2 throughput with ready float batches, one model with {@code cores} intra-op threads against
 * {@code cores} models of one intra-op thread each, fed by one thread per model: how much a small input (96 px)
 * leaves idle inside one session. Interleaved configurations, {@code --rounds} times.
 *
 * <pre>
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.model.InferenceStreams [--size 96] [--batch 32] [--seconds 10] [--rounds 2] [--configs 1x2,2x1]
 * </pre>
 */
public final class InferenceStreams {

    private InferenceStreams() {}

    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> a = dev.orchard.bench.pipeline.BenchSupport.parse(args);
        int size = Integer.parseInt(a.getOrDefault("size", "96"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        String[] configs = a.getOrDefault("configs", "1x2,2x1").split(",");
        Path dir = Files.createTempDirectory("orchard-streams-");
        MobileNetV2.export(dir, 42, size);
        ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
        float[] x = new float[batch * spec.inputLength()];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        System.out.printf("# MobileNetV2-%d, batch %d, %d cores, load %s%n", size, batch,
                Runtime.getRuntime().availableProcessors(), load());
        for (int round = 0; round < rounds; round++) {
            for (String c : configs) {
                String[] p = c.split("x");
                int streams = Integer.parseInt(p[0]);
                int threads = Integer.parseInt(p[1]);
                List<LoadedModel> models = new ArrayList<>();
                for (int s = 0; s < streams; s++) {
                    models.add(LoadedModel.load(dir, spec, threads));
                }
                try {
                    run(models, x, batch, 2.0); // warm-up
                    long cpu0 = cpu();
                    long t0 = System.nanoTime();
                    long images = run(models, x, batch, seconds);
                    double wall = (System.nanoTime() - t0) / 1e9;
                    double cpuMs = (cpu() - cpu0) / 1e6 / images;
                    System.out.printf("round %d  %d stream(s) x %d intra-op: %8.1f images/s, %.2f CPU-ms/image, load %s%n",
                            round, streams, threads, images / wall, cpuMs, load());
                } finally {
                    for (LoadedModel m : models) {
                        m.close();
                    }
                }
            }
        }
    }

    private static long run(List<LoadedModel> models, float[] x, int batch, double seconds) throws InterruptedException {
        AtomicLong images = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        for (LoadedModel m : models) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    m.run(x, batch);
                    images.addAndGet(batch);
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            t.join();
        }
        return images.get();
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).substring(0, 14);
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
