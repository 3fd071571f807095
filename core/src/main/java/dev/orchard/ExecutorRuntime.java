package dev.orchard;

import java.io.Serializable;

/**
 * How TensorFlow ran in one executor JVM during a featurization, as that executor reported it.
 *
 * @param executorId     Spark's executor id ({@code driver} in local mode)
 * @param host           the executor's host
 * @param intraOpThreads   intra-op threads of each of the model's sessions: the executor's cores
 *                         ({@code spark.executor.cores}, or the master's thread count in local mode) divided among
 *                         its {@code inferenceStreams}
 * @param oneDnn           whether the executor's environment had {@code TF_ENABLE_ONEDNN_OPTS=1} when TensorFlow
 *                         loaded (see {@link Orchard#configure}); without it the model runs ~2.7x slower on AVX2 CPUs
 * @param inferenceStreams independent sessions of the model in the executor, running batches at once: by default one
 *                         per core while their weights fit in 1 GB (Spark setting
 *                         {@code spark.orchard.inferenceStreams} overrides)
 */
public record ExecutorRuntime(String executorId, String host, int intraOpThreads, boolean oneDnn,
                              int inferenceStreams) implements Serializable {}
