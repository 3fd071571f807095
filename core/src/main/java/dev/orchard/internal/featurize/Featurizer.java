package dev.orchard.internal.featurize;

import dev.orchard.ExecutorRuntime;
import dev.orchard.FeaturizeOptions;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.source.ImageRef;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Stage 3, featurize: images to feature vectors with the broadcast model, one batched
 * {@code Session.run} at a time per executor JVM.
 *
 * <p>Each partition streams: while the model runs batch <i>i</i>, a helper thread fetches and decodes
 * batch <i>i+1</i>. An image that cannot be fetched or decoded becomes an error record with its reason;
 * it never fails the task. The returned RDD is lazy: persist it (or write it once) so the CNN runs once
 * per image, and read {@code inferences} to check.
 */
public final class Featurizer {

    private Featurizer() {}

    /** As {@link #featurize(JavaRDD, Broadcast, FeaturizeOptions, LongAccumulator, CollectionAccumulator)}. */
    public static JavaRDD<Featurized> featurize(JavaRDD<ImageRef> images, Broadcast<ModelPackage> model,
                                                FeaturizeOptions options, LongAccumulator inferences) {
        return featurize(images, model, options, inferences, null);
    }

    /**
     * @param images     the listed images
     * @param model      the broadcast SavedModel; loaded once per executor JVM, as {@link InferenceLayout} says
     *                   (by default one single-threaded session per executor core, {@link ExecutorCores})
     * @param options    batch size, limits, storage, precision of the executors' sessions (a bf16 request
     *                   runs in fp32 on executors whose CPU lacks bf16 instructions: {@link
     *                   dev.orchard.Precision#onCpu})
     * @param inferences counts images actually run through the CNN (retries and recomputation included);
     *                   may be {@code null}
     * @param runtimes   receives one {@link ExecutorRuntime} per partition (the driver keeps one per executor);
     *                   may be {@code null}
     */
    public static JavaRDD<Featurized> featurize(JavaRDD<ImageRef> images, Broadcast<ModelPackage> model,
                                                FeaturizeOptions options, LongAccumulator inferences,
                                                CollectionAccumulator<ExecutorRuntime> runtimes) {
        return images.mapPartitions(refs -> {
            InferenceLayout layout = InferenceLayout.current(model.value().packedBytes());
            LoadedModel loaded = ExecutorModels.get(model, layout.streams(), layout.threadsPerStream(),
                    options.precision().onThisCpu());
            if (runtimes != null) {
                SparkEnv env = SparkEnv.get();
                runtimes.add(new ExecutorRuntime(env == null ? "driver" : env.executorId(),
                        java.net.InetAddress.getLocalHost().getHostName(), loaded.intraOpThreads(),
                        "1".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS")), loaded.streams()));
            }
            return new FeaturizingIterator(refs, loaded, options, inferences);
        });
    }
}
