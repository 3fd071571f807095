package dev.orchard.internal.featurize;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * How an executor runs its model: {@code streams} independent TensorFlow sessions of the same SavedModel, each with
 * {@code threadsPerStream} intra-op threads (see {@link dev.orchard.internal.model.LoadedModel}).
 *
 * <p><b>Default:</b> one stream per executor core, one thread each, as long as that many copies of the model's
 * weights fit in {@value #MEMORY_BUDGET_MB} MB; otherwise as many streams as fit, the cores shared among them (a
 * 553 MB VGG16 with its fully connected layers: one stream with every core). Several one-thread sessions keep the
 * cores busier than one session with all of them, because one op of a small network on a small image cannot use
 * every core: measured on 2 cores with ready batches, MobileNetV2 at 96 px 2 × 1 thread gave 1.44–1.66× the images/s
 * of 1 × 2 threads; at 224 px, where one session already keeps the cores busier, 0.98–1.10× ({@code
 * benchmarks/README.md}, "Inference streams" and "224 px").
 *
 * <p><b>Override:</b> the Spark setting {@value #CONF} (executors read it; 1 = one session with every core, the
 * layout before streams).
 *
 * @param streams          independent sessions, {@code >= 1}
 * @param threadsPerStream intra-op threads of each, {@code >= 1}
 */
public record InferenceLayout(int streams, int threadsPerStream) {

    /** Spark setting: sessions per executor. */
    public static final String CONF = "spark.orchard.inferenceStreams";
    /** Weights of all streams together, at most (MB), when {@value #CONF} is not set. */
    static final long MEMORY_BUDGET_MB = 1024;

    public InferenceLayout {
        if (streams < 1 || threadsPerStream < 1) {
            throw new IllegalArgumentException("streams and threads per stream must be >= 1 but were " + streams
                    + " and " + threadsPerStream);
        }
    }

    /** The layout for this executor JVM ({@link ExecutorCores#current()}, its Spark configuration). */
    public static InferenceLayout current(long modelBytes) {
        SparkEnv env = SparkEnv.get();
        return of(ExecutorCores.current(), modelBytes, env == null ? null : env.conf());
    }

    /**
     * The layout for an executor of {@code cores} cores and a model of {@code modelBytes} bytes of weights.
     *
     * @param conf may be {@code null} (no override)
     * @throws IllegalArgumentException if {@value #CONF} is set but not an integer in [1, 256]
     */
    public static InferenceLayout of(int cores, long modelBytes, SparkConf conf) {
        int c = Math.max(1, cores);
        int streams;
        if (conf != null && conf.contains(CONF)) {
            String v = conf.get(CONF).strip();
            try {
                streams = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                streams = -1;
            }
            if (streams < 1 || streams > 256) {
                throw new IllegalArgumentException(CONF + " must be an integer in [1, 256] but was '" + v
                        + "': set it to the TensorFlow sessions per executor, or leave it unset for one per core");
            }
        } else {
            long fit = MEMORY_BUDGET_MB * 1024 * 1024 / Math.max(1, modelBytes);
            streams = (int) Math.max(1, Math.min(c, fit));
        }
        return new InferenceLayout(streams, Math.max(1, c / streams));
    }
}
