package dev.orchard.bench.s3;

import dev.orchard.bench.pipeline.BenchSupport;
import dev.orchard.job.Main;
import java.util.Arrays;

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
            long cpu0 = BenchSupport.processCpuNanos();
            long t0 = System.nanoTime();
            int code = Main.execute(featurize);
            long wall = System.nanoTime() - t0;
            long cpu = BenchSupport.processCpuNanos() - cpu0;
            System.out.println("CALL " + i + " " + cpu + " " + wall + " " + code);
            if (code != 0) {
                break;
            }
        }
        System.out.println("PROCESS " + BenchSupport.processCpuNanos());
        System.out.flush();
        System.exit(0);
    }
}
