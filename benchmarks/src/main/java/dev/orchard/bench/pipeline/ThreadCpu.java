package dev.orchard.bench.pipeline;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time of this process split by thread role, from {@code /proc/self/task/<tid>/stat} (utime + stime) and
 * {@code comm}: TensorFlow's native threads count as well as Java ones. A daemon thread samples every task
 * every {@value #PERIOD_MS} ms, so threads that end during the measured span (Spark's pooled task threads,
 * TensorFlow's per-thread workers) keep the CPU they had at their last sample (at most one period lost each).
 *
 * <p>Java threads are told apart from native ones by the JVM's own thread dump ({@code nid} of each Java
 * thread, read through the {@code DiagnosticCommand} MBean when an unknown thread id appears): a native
 * thread inherits the name of the thread that created it (TensorFlow's intra-op workers, created when a
 * Spark task loads the model, are named {@code Executor task launch...} too), so names alone mislead.
 *
 * <p>Roles by thread name: {@code orchard-fetch*} fetch, {@code orchard-decode*} decode + resize +
 * preprocessing into the batch, {@code orchard-inference} the Java side of a {@code Session.run} (tensor
 * copy in and out), {@code Executor task*} the Spark task thread (batch hand-off, records, caching,
 * Parquet/CSV encoding and writing), JIT compiler and GC threads, everything else not named by the JVM or
 * Spark: TensorFlow's native intra-op threads ("model"), and "other" (driver, Spark RPC, listing, ...).
 */
final class ThreadCpu implements AutoCloseable {

    static final long PERIOD_MS = 1000;
    private static final double TICK_NS = 1e9 / 100; // USER_HZ is 100 on Linux

    private final Map<Integer, String> names = new HashMap<>();
    /** Thread id to the Java thread's name, or null for a native thread; filled as ids appear. */
    private final Map<Integer, String> javaNames = new HashMap<>();
    private final Map<Integer, Long> first = new HashMap<>();
    private final Map<Integer, Long> last = new HashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ThreadCpu(boolean baseline) {
        sample(baseline);
        sampler = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
                sample(false);
            }
        }, "bench-threadcpu");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts sampling; the span measured runs from now to {@link #close()}. */
    static ThreadCpu start() {
        return new ThreadCpu(true);
    }

    private synchronized void sample(boolean baseline) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path t : tasks) {
                int tid = Integer.parseInt(t.getFileName().toString());
                long ticks;
                String comm;
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                } catch (IOException | RuntimeException gone) {
                    continue; // the thread ended between listing and reading
                }
                if (!javaNames.containsKey(tid)) {
                    refreshJavaThreads();
                    javaNames.putIfAbsent(tid, null);
                }
                String javaName = javaNames.get(tid);
                names.put(tid, javaName != null ? javaName : "native:" + comm);
                if (baseline) {
                    first.put(tid, ticks);
                } else {
                    first.putIfAbsent(tid, 0L); // started after the baseline: all its CPU is in the span
                }
                last.put(tid, ticks);
            }
        } catch (IOException e) {
            // no /proc: nothing to report
        }
    }

    private static final java.util.regex.Pattern DUMP_LINE =
            java.util.regex.Pattern.compile("^\"(.*?)\".*? nid=(0x[0-9a-f]+|\\d+)", java.util.regex.Pattern.MULTILINE);

    /** Maps every live Java thread's native id to its name, from the JVM's thread dump. */
    private void refreshJavaThreads() {
        try {
            javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            Object dump = server.invoke(new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "threadPrint", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            java.util.regex.Matcher m = DUMP_LINE.matcher(String.valueOf(dump));
            while (m.find()) {
                String nid = m.group(2);
                int tid = nid.startsWith("0x") ? Integer.parseInt(nid.substring(2), 16) : Integer.parseInt(nid);
                javaNames.put(tid, m.group(1));
            }
        } catch (javax.management.JMException | RuntimeException e) {
            // no diagnostic command: every thread goes by its OS name
        }
    }

    /** Stops sampling and takes a last sample. */
    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        try {
            sampler.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample(false);
    }

    /** CPU seconds per role over the span, in a fixed order; roles with no CPU are left out. */
    synchronized Map<String, Double> byRole() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : new String[] {"model", "inference-java", "decode", "fetch", "spark-task", "jit", "gc",
                "other"}) {
            out.put(role, 0.0);
        }
        for (Map.Entry<Integer, Long> e : last.entrySet()) {
            long d = e.getValue() - first.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                out.merge(role(names.get(e.getKey())), d * TICK_NS / 1e9, Double::sum);
            }
        }
        out.values().removeIf(v -> v == 0.0);
        return out;
    }

    static String role(String comm) {
        if (comm.startsWith("native:")) {
            String os = comm.substring(7);
            // JVM-internal threads (compiler, GC) are not in the Java thread dump's named list on every JDK.
            if (os.startsWith("C1 Compiler") || os.startsWith("C2 Compiler")) {
                return "jit";
            }
            if (os.startsWith("GC Thread") || os.startsWith("G1 ") || os.startsWith("VM Thread")) {
                return "gc";
            }
            // TensorFlow's and oneDNN's workers: the model's compute.
            return "model";
        }
        if (comm.startsWith("orchard-fetch")) {
            return "fetch";
        }
        if (comm.startsWith("orchard-decode")) {
            return "decode";
        }
        if (comm.startsWith("orchard-infere")) {
            return "inference-java";
        }
        if (comm.startsWith("Executor task")) {
            return "spark-task";
        }
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
            return "gc";
        }
        return "other";
    }

    /** One line: CPU-ms per image by role. */
    String perImage(long images) {
        return perImage(byRole(), images);
    }

    /** One line: CPU-ms per image by role, from {@link #byRole()} (or several spans' summed). */
    static String perImage(Map<String, Double> roles, long images) {
        StringBuilder sb = new StringBuilder();
        double total = 0;
        for (Map.Entry<String, Double> e : roles.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%s %.3f, ", e.getKey(), 1000 * e.getValue() / images));
            total += e.getValue();
        }
        return sb.append(String.format(Locale.ROOT, "total %.3f CPU-ms/image", 1000 * total / images)).toString();
    }

    /** Thread names seen, with CPU seconds in the span: to check the roles. */
    synchronized String threads() {
        Map<String, Double> byName = new HashMap<>();
        for (Map.Entry<Integer, Long> e : last.entrySet()) {
            long d = e.getValue() - first.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                byName.merge(names.get(e.getKey()), d * TICK_NS / 1e9, Double::sum);
            }
        }
        StringBuilder sb = new StringBuilder();
        byName.entrySet().stream().sorted(Map.Entry.comparingByValue(java.util.Comparator.reverseOrder()))
                .forEach(e -> sb.append(String.format(Locale.ROOT, "%s=%.2fs ", e.getKey(), e.getValue())));
        return sb.toString().trim();
    }
}
