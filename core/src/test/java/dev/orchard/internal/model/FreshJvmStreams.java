package dev.orchard.internal.model;

import dev.orchard.Precision;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The child JVM of {@code LoadedModelTest.streamsOfAFreshJvmRunOnThreadsOfTheirOwn}: in a JVM where no TensorFlow
 * session existed before, loads the model at {@code args[0]} as {@code args[1]} one-thread streams (what an
 * executor does), runs batches on all of them at once from as many callers until the process has spent
 * {@code args[2]} CPU-seconds, and prints one line {@code busiest-thread-share S threads N}: the share of the CPU
 * spent by all threads but the JVM's compiler, GC and VM threads (so: TensorFlow's native workers, which take the
 * name of the thread that created them, and the callers; Linux {@code /proc}) that the busiest one took. One
 * thread doing every stream's work gives ≈ 1.0; streams on threads of their own give ≈ 1/N.
 */
public final class FreshJvmStreams {

    private FreshJvmStreams() {}

    public static void main(String[] args) throws Exception {
        ModelPackage pkg = ModelPackage.fromDirectory(Path.of(args[0]), ModelOverrides.none());
        int streams = Integer.parseInt(args[1]);
        double cpuSeconds = Double.parseDouble(args[2]);
        int batch = 32;
        float[] x = SampleModelFixture.images(1, batch, pkg.spec());
        try (LoadedModel m = ExecutorModels.load(pkg, streams, 1, Precision.FP32)) {
            m.run(x, batch);
            Map<String, Long> before = threadTicks();
            double until = processCpu() + cpuSeconds;
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Thread t = new Thread(() -> {
                    while (processCpu() < until) {
                        m.run(x, batch);
                    }
                }, "fresh-jvm-caller-" + i);
                t.start();
                callers.add(t);
            }
            for (Thread t : callers) {
                t.join();
            }
            Map<String, Long> after = threadTicks();
            long total = 0;
            long busiest = 0;
            int busy = 0;
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                total += d;
                busiest = Math.max(busiest, d);
                if (d > 0) {
                    busy++;
                }
            }
            System.out.printf(Locale.ROOT, "busiest-thread-share %.3f threads %d ticks %d%n",
                    total == 0 ? 1.0 : (double) busiest / total, busy, total);
        }
        System.exit(0);
    }

    private static double processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** CPU ticks of each thread but the JVM's compiler, GC and VM threads (by name), by thread id. */
    static Map<String, Long> threadTicks() throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 ") || name.startsWith("C2 ") || name.startsWith("GC ")
                        || name.startsWith("G1 ") || name.startsWith("VM ")) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks.put(task.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
            }
        }
        return ticks;
    }
}
