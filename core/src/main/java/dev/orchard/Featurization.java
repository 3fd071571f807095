package dev.orchard;

import dev.orchard.internal.featurize.Featurized;
import dev.orchard.internal.featurize.Featurizer;
import dev.orchard.internal.featurize.PrecisionCheck;
import dev.orchard.internal.featurize.Tally;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.ModelPackage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The features of a set of images, and the images that could not be featurized, with their reasons
 * ({@link Orchard#featurize}). Every image ends up in exactly one of {@link #features()} and {@link #errors()}.
 *
 * <p>Lazy until the first Spark action on either RDD (typically {@link Output#write(Featurization)}); the
 * results are then persisted ({@code MEMORY_AND_DISK}), so every later action — counting, PCA, projecting —
 * reads them and the CNN runs once per image ({@link #inferences()} tells). {@link Output#write(Featurization)}
 * writes both tables in one pass and tallies the counts on the way ({@link #featurized()}, {@link #failed()},
 * {@link #featurizedPerLabel()}, {@link #failuresByKind()}, {@link #failureExamples()} then run nothing); a
 * featurization that is only written can skip the cache with {@link #cache cache(false)}.
 *
 * <p><b>Close it</b> (try-with-resources) when done: that unpersists the results, evicts the model from this
 * JVM (the driver is the executor in local mode) and destroys the model's broadcast. Closing twice is a no-op.
 * Not thread-safe.
 */
public final class Featurization implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Featurization.class);

    private final JavaSparkContext sc;
    private final Images images;
    private final Model model;
    private final FeaturizeOptions options;
    private final Broadcast<ModelPackage> broadcast;
    private final LongAccumulator inferences;
    private final CollectionAccumulator<ExecutorRuntime> runtimes;
    private final JavaRDD<Featurized> results;
    private final Set<Precision.CpuSupport> cpuBf16;
    private boolean cached = true;
    private Tally tally;
    private boolean warned;
    private boolean closed;

    private Featurization(JavaSparkContext sc, Images images, Model model, FeaturizeOptions options) {
        this.sc = sc;
        this.images = images;
        this.model = model;
        this.options = options;
        this.broadcast = sc.broadcast(model.pkg());
        this.inferences = sc.sc().longAccumulator("orchard.inferences");
        this.runtimes = sc.sc().collectionAccumulator("orchard.executors");
        if (options.precision() == Precision.BF16) {
            cpuBf16 = PrecisionCheck.executorCpuBf16(sc);
            PrecisionCheck.warnIfNoHardware(cpuBf16);
        } else {
            cpuBf16 = null;
        }
        this.results = Featurizer.featurize(images.refs(), broadcast, options, inferences, runtimes)
                .persist(StorageLevel.MEMORY_AND_DISK());
    }

    static Featurization start(JavaSparkContext sc, Images images, Model model, FeaturizeOptions options) {
        return new Featurization(sc, images, model, options);
    }

    /**
     * Whether the results are kept once computed ({@code MEMORY_AND_DISK} on the executors; default on), so that
     * every later action reads them instead of running the CNN again. Turn it off for a featurization that is
     * only written ({@link Output#write(Featurization)}, one pass that also tallies every count this class
     * reports): the executors then spend no memory, disk or CPU keeping rows nobody reads again (with the
     * single-pass write and Parquet's vectors written a row at a time, {@code orchard featurize} at 96 px took 8 %
     * less CPU; benchmarks/README.md), and any other action over {@link #features()} or {@link #errors()} runs
     * the CNN again ({@link #inferences()} tells).
     *
     * @return this
     * @throws IllegalStateException after the first action over the results, or once closed
     */
    public Featurization cache(boolean on) {
        requireOpen();
        if (on == cached) {
            return this;
        }
        if (tally != null || inferences.value() > 0) {
            throw new IllegalStateException("cache(" + on + ") must be called before the first action over this "
                    + "featurization's results");
        }
        if (on) {
            results.persist(StorageLevel.MEMORY_AND_DISK());
        } else {
            results.unpersist(false);
        }
        cached = on;
        return this;
    }

    /** Whether the results are kept once computed ({@link #cache}). */
    public boolean cached() {
        return cached;
    }

    /** Every image's outcome, for {@link Output#write(Featurization)}'s single pass. */
    JavaRDD<Featurized> results() {
        requireOpen();
        return results;
    }

    /**
     * Records the tally of a pass over every outcome (a write's), unless one was taken already; checks it
     * against the listing when its size is known (an image lost on the way throws).
     */
    void tallied(Tally t) {
        requireOpen();
        if (tally == null) {
            reconcile(t);
            tally = t;
            warnWithoutOneDnn();
        }
    }

    /**
     * The featurized images, {@code image_id, label, label_index, features} (lazy, then persisted unless
     * {@link #cache cache(false)}).
     */
    public JavaRDD<FeatureRecord> features() {
        return results.filter(Featurized::isOk).map(Featurized::features);
    }

    /**
     * The images that could not be featurized, with their reasons (lazy, then persisted unless
     * {@link #cache cache(false)}).
     */
    public JavaRDD<ErrorRecord> errors() {
        return results.filter(f -> !f.isOk()).map(Featurized::error);
    }

    /** The images this featurization ran over. */
    public Images images() {
        return images;
    }

    /** The model it ran. */
    public Model model() {
        return model;
    }

    /** The options it ran with. */
    public FeaturizeOptions options() {
        return options;
    }

    /**
     * Images that went through the CNN so far (retried and recomputed partitions included): equal to
     * {@link #featurized()} + the images that failed after decoding when every image ran once.
     */
    public long inferences() {
        return inferences.value();
    }

    /** Images listed (or given): {@link #featurized()} + {@link #failed()}. Runs the featurization if needed. */
    public long listed() {
        return tally().featurized() + tally().failed();
    }

    /** Images featurized. Runs the featurization if it has not run yet. */
    public long featurized() {
        return tally().featurized();
    }

    /** Images that could not be featurized. Runs the featurization if it has not run yet. */
    public long failed() {
        return tally().failed();
    }

    /**
     * The counts, per-label counts and failure examples: from the write's pass when {@link Output#write} ran,
     * else from one action over the results; checked against the listing when its size is known.
     */
    private Tally tally() {
        requireOpen();
        if (tally == null) {
            Tally all = new Tally(); // merged in partition order (collect's), so the examples are the first ones
            results.mapPartitions(outcomes -> List.of(Tally.of(outcomes)).iterator()).collect().forEach(all::merge);
            tallied(all);
        }
        return tally;
    }

    private void reconcile(Tally t) {
        long known = images.knownCount();
        if (known >= 0 && t.featurized() + t.failed() != known) {
            throw new IllegalStateException("Reconciliation failed: listed " + known + " images but featurized "
                    + t.featurized() + " + failed " + t.failed());
        }
    }

    /**
     * How TensorFlow ran on each executor that featurized (one entry per executor, sorted by id): intra-op
     * threads and whether oneDNN was on. Complete once the featurization has run.
     */
    public List<ExecutorRuntime> executors() {
        Map<String, ExecutorRuntime> byId = new TreeMap<>();
        for (ExecutorRuntime r : runtimes.value()) {
            byId.putIfAbsent(r.executorId(), r);
        }
        return new ArrayList<>(byId.values());
    }

    /**
     * Problems worth a person's attention, e.g. executors whose TensorFlow loaded without oneDNN (the same model
     * 2.7x slower). Empty when all is well; each is also logged at WARN once.
     */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        List<String> without = executors().stream().filter(r -> !r.oneDnn()).map(ExecutorRuntime::executorId).toList();
        if (!without.isEmpty()) {
            w.add("TensorFlow ran without oneDNN on executor(s) " + without + " (TF_ENABLE_ONEDNN_OPTS=1 missing from "
                    + "their environment: about 2.7x slower on AVX2 CPUs); call Orchard.configure(sparkConf) before "
                    + "creating the SparkContext, or set spark.executorEnv.TF_ENABLE_ONEDNN_OPTS=1");
        }
        return w;
    }

    private void warnWithoutOneDnn() {
        if (!warned) {
            warned = true;
            warnings().forEach(LOG::warn);
        }
    }

    /**
     * For {@link Precision#BF16}: the bf16 support of the executors' CPUs (sampled by tiny tasks when the
     * featurization started); {@code null} in fp32.
     */
    public Set<Precision.CpuSupport> cpuBf16() {
        return cpuBf16 == null ? null : EnumSet.copyOf(cpuBf16);
    }

    /**
     * How close the run's features are to fp32 features of the same images: the first {@code maxImages}
     * featurized images by id are fetched again on the driver and run through a new fp32 session of the same
     * model (not counted as inferences). Meaningful for {@link Precision#BF16}; 1 in fp32.
     *
     * @return the comparison, or {@code null} if no image could be compared
     */
    public Fidelity fidelity(int maxImages) {
        requireOpen();
        return PrecisionCheck.measure(features(), model.pkg(), options, maxImages);
    }

    /**
     * Per-label counts of featurized images, for reports: every listed label, sorted, with 0 where none was
     * featurized. Runs the featurization if it has not run yet.
     */
    public Map<String, Long> featurizedPerLabel() {
        Map<String, Long> counted = new TreeMap<>(tally().perLabel());
        for (String l : images.labels()) {
            counted.putIfAbsent(l, 0L);
        }
        return counted;
    }

    /**
     * Failed images per kind of failure (the reason up to its first colon), most frequent first, ties by kind.
     * Runs the featurization if it has not run yet.
     */
    public List<Tuple2<String, Long>> failuresByKind() {
        return tally().perKind().stream().map(e -> new Tuple2<>(e.getKey(), e.getValue())).toList();
    }

    /**
     * Up to 20 of the images that could not be featurized, with their reasons (the first partitions' first),
     * for reports. Runs the featurization if it has not run yet; needs no further pass once it has.
     */
    public List<ErrorRecord> failureExamples() {
        return tally().examples();
    }

    /** The kind of failure: the reason up to its first colon ("corrupt or truncated image", ...). */
    public static String kind(String reason) {
        return Tally.kind(reason);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Featurization is closed");
        }
    }

    /** Unpersists the results, evicts the model from this JVM and destroys its broadcast. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (cached) {
            results.unpersist(false);
        }
        ExecutorModels.evict(broadcast); // local mode: the driver is the executor; free its TensorFlow session now
        broadcast.destroy(false);
    }
}
