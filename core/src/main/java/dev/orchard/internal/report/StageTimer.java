package dev.orchard.internal.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Wall-clock time per named stage, in the order the stages ran. Not thread-safe: driver only. */
public final class StageTimer {

    private final Map<String, Double> seconds = new LinkedHashMap<>();

    /** Runs {@code body}, adding its wall time to {@code stage}. */
    public <T> T time(String stage, Supplier<T> body) {
        long t0 = System.nanoTime();
        try {
            return body.get();
        } finally {
            seconds.merge(stage, (System.nanoTime() - t0) / 1e9, Double::sum);
        }
    }

    /** Runs {@code body}, adding its wall time to {@code stage}. */
    public void time(String stage, Runnable body) {
        time(stage, () -> {
            body.run();
            return null;
        });
    }

    public double seconds(String stage) {
        return seconds.getOrDefault(stage, 0.0);
    }

    public double total() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Stage name to seconds, in run order. */
    public Map<String, Double> asMap() {
        return Collections.unmodifiableMap(seconds);
    }
}
