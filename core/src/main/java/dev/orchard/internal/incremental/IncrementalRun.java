package dev.orchard.internal.incremental;

import dev.orchard.internal.sink.ChangeRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.source.ImageRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One incremental run's view of its inputs: the earlier outputs it continues ({@link OutputChain}), their rows
 * ({@link PreviousOutputs}) and the listing compared with them ({@link Diff}). Owns the diff's persisted
 * pairs: close it when the run is written.
 *
 * <p>What the run writes is the change only: features and errors of the images it featurized (new, changed,
 * retried), and {@code changes/} (changed and retired images). Unchanged images keep their rows in the earlier
 * outputs; the chain read "latest wins" ({@link PreviousOutputs}) is the whole, current data set.
 */
public final class IncrementalRun implements AutoCloseable {

    private final JavaSparkContext sc;
    private final List<String> from;
    private final PreviousOutputs previous;
    private final Diff diff;

    private IncrementalRun(JavaSparkContext sc, List<String> from, PreviousOutputs previous, Diff diff) {
        this.sc = sc;
        this.from = from;
        this.previous = previous;
        this.diff = diff;
    }

    /**
     * Resolves the earlier outputs and joins the listing with them (lazily: the first {@link #counts()} runs it).
     *
     * @param from        earlier committed outputs (roots or their {@code features/} folders)
     * @param output      this run's output, or null when not known yet: must not be one of the chain's
     * @param listed      this run's listed images
     * @param featureSpec what this run's model makes ({@link FeatureSpecs#of}); refused when the earlier outputs
     *                    recorded another
     * @throws IllegalArgumentException one line: output inside the chain, or features of another model
     * @throws dev.orchard.StorageException if an earlier output is missing or not committed
     */
    public static IncrementalRun start(JavaSparkContext sc, List<String> from, String output, JavaRDD<ImageRef> listed,
            Map<String, String> featureSpec, StorageOptions options) {
        OutputChain chain = OutputChain.resolve(from, options);
        if (output != null && chain.contains(output)) {
            throw new IllegalArgumentException("--output " + output + " is one of the outputs the run continues from ("
                    + String.join(", ", chain.roots()) + "): write the incremental run to a new --output");
        }
        Map<String, String> earlier = chain.featureSpec();
        if (earlier != null && featureSpec != null && !earlier.equals(featureSpec)) {
            throw new IllegalArgumentException("--incremental-from " + String.join(",", from) + " holds features of "
                    + FeatureSpecs.describe(earlier) + " but --model makes " + FeatureSpecs.describe(featureSpec)
                    + ": pass the same model, or run without --incremental-from");
        }
        PreviousOutputs previous = PreviousOutputs.of(sc, chain, options);
        List<String> roots = from.stream().map(OutputChain::rootOf).distinct().toList();
        return new IncrementalRun(sc, roots, previous, Diff.of(listed, previous.identities()));
    }

    /** The outputs named (roots), as the manifest's {@code continuedFrom} records them. */
    public List<String> continuedFrom() {
        return from;
    }

    public OutputChain chain() {
        return previous.chain();
    }

    /** Images per status (one Spark job, the first time). */
    public Diff.Counts counts() {
        return diff.counts();
    }

    /**
     * The images to featurize, sorted by URI into partitions of at most {@code maxPartitionSize} images, and
     * at least as many partitions as the cluster has task slots (as {@code ImageSource.parallelize}).
     */
    public JavaRDD<ImageRef> toFeaturize(int maxPartitionSize) {
        long n = counts().toFeaturize();
        if (n == 0) {
            return sc.emptyRDD();
        }
        long byLimit = (n + maxPartitionSize - 1) / maxPartitionSize;
        int slices = (int) Math.max(1, Math.min(n, Math.max(byLimit, sc.defaultParallelism())));
        return diff.toFeaturize().sortBy(ImageRef::uri, true, slices);
    }

    /** The changed and retired images. */
    public JavaRDD<ChangeRecord> changes() {
        return diff.changes();
    }

    /** The earlier features of the unchanged images, with this run's labels. */
    public JavaRDD<FeatureRecord> reusedFeatures() {
        return diff.reusedFeatures(previous);
    }

    @Override
    public void close() {
        diff.close();
    }

    /** For messages. */
    @Override
    public String toString() {
        return "IncrementalRun[from=" + from + ", chain=" + Objects.toString(previous.chain().roots()) + "]";
    }
}
