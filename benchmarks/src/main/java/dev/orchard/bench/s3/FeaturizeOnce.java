package dev.orchard.bench.s3;

import dev.orchard.bench.pipeline.BenchSupport;
import dev.orchard.job.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Child JVM of {@link S3FeaturizeBench}: runs {@code orchard featurize ARGS} {@code calls} times in
 * this JVM (the first call cold, later ones warm; call {@code i > 0} writes to {@code OUTPUT-i}) and
 * prints one line per call, {@code CALL i <cpu-ns> <wall-ns> <exit>}, then {@code PROCESS <cpu-ns>}:
 * this whole process's CPU time (every thread, native ones included; JVM start included).
 */
public final class FeaturizeOnce {

    private FeaturizeOnce() {}

    public static void main(String[] args) throws Exception {
        int calls = Integer.parseInt(args[0]);
        String[] featurize = Arrays.copyOfRange(args, 1, args.length);
        int out = Arrays.asList(featurize).indexOf("--output") + 1;
        String output = featurize[out];
        for (int i = 0; i < calls; i++) {
            featurize[out] = i == 0 ? output : output + "-" + i;
            Map<String, Long> threads0 = threadGroupTicks();
            long cpu0 = BenchSupport.processCpuNanos();
            long t0 = System.nanoTime();
            int code = Main.execute(featurize);
            long wall = System.nanoTime() - t0;
            long cpu = BenchSupport.processCpuNanos() - cpu0;
            System.out.println("CALL " + i + " " + cpu + " " + wall + " " + code);
            System.out.println("THREADS " + i + " " + delta(threads0, threadGroupTicks()));
            if (code != 0) {
                break;
            }
        }
        System.out.println("PROCESS " + BenchSupport.processCpuNanos());
        System.out.flush();
        System.exit(0);
    }

    /**
     * CPU ticks (1/100 s) per thread group of this process, native threads included, from
     * /proc/self/task/TID/stat; a group is the thread name without digits.
     */
    static Map<String, Long> threadGroupTicks() {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** "group=ms,..." for groups that used at least 50 ms, largest first (ended threads are lost). */
    static String delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new HashMap<>();
        after.forEach((k, v) -> d.put(k, 10 * (v - before.getOrDefault(k, 0L))));
        return d.entrySet().stream().filter(e -> e.getValue() >= 50)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey().replace(' ', '_') + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
