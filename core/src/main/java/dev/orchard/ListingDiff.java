package dev.orchard;

import dev.orchard.internal.incremental.IncrementalRun;
import dev.orchard.internal.sink.ChangeRecord;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;

/**
 * A listing compared with earlier committed outputs, image by image ({@link Orchard#diff}): which images are
 * new, changed (another size or ETag / modification time), failed before, unchanged, or gone (retired). The
 * comparison is a Spark join by image id of the listed images with the earlier outputs' rows (no image bytes,
 * no driver-side list), so it scales like the listing.
 *
 * <p>An incremental run featurizes {@link #toFeaturize()} only and writes it with
 * {@link Output#write(Featurization, ListingDiff)}: the new output holds the featurized images, lists the changed
 * and retired ones in {@code changes/}, and its manifest names the outputs it continued from. The unchanged
 * images keep their rows in the earlier outputs ({@link #reusedFeatures()} reads them, e.g. to fit PCA over
 * every current image); {@link Orchard#readFeatures(List)} reads the whole chain, newest row of each image.
 *
 * <pre>{@code
 * Images images = orchard.list("s3://bucket/fruits");
 * try (ListingDiff diff = orchard.diff(images, model, List.of("s3://bucket/runs/monday"));
 *      Featurization f = orchard.featurize(diff.toFeaturize(), model);
 *      Output out = orchard.output("s3://bucket/runs/tuesday").open()) {
 *     out.write(f, diff);
 *     out.commit();
 * }
 * }</pre>
 *
 * <p><b>Close it</b> when done: it unpersists the joined pairs. Not thread-safe.
 */
public final class ListingDiff implements AutoCloseable {

    private final IncrementalRun run;
    private final Images listed;
    private final int maxPartitionSize;
    private Images toFeaturize;

    private ListingDiff(IncrementalRun run, Images listed, int maxPartitionSize) {
        this.run = run;
        this.listed = listed;
        this.maxPartitionSize = maxPartitionSize;
    }

    static ListingDiff of(IncrementalRun run, Images listed, int maxPartitionSize) {
        return new ListingDiff(Objects.requireNonNull(run, "run"), listed, maxPartitionSize);
    }

    // Counts per status: the first call runs one Spark job; listed == new + changed + retried + unchanged.

    /** Listed images in no earlier output: featurized. */
    public long countNew() {
        return run.counts().newImages();
    }

    /** Listed images with another content id than their earlier row (or one not known then): featurized again. */
    public long countChanged() {
        return run.counts().changed();
    }

    /** Unchanged images whose earlier row is an error (it may have been transient): tried again. */
    public long countRetried() {
        return run.counts().retried();
    }

    /** Listed images with the content id of their earlier features: reused, not fetched. */
    public long countUnchanged() {
        return run.counts().unchanged();
    }

    /** Images of the earlier outputs no longer listed. */
    public long countRetired() {
        return run.counts().retired();
    }

    /** Images listed: new + changed + retried + unchanged. */
    public long countListed() {
        return run.counts().listed();
    }

    /** Images to fetch and featurize: new + changed + retried. */
    public long countToFeaturize() {
        return run.counts().toFeaturize();
    }

    /**
     * The new, changed and retried images, with the listing's labels, sorted by id into partitions of at most the
     * {@code Orchard}'s {@code maxPartitionSize}: give them to {@link Orchard#featurize}.
     */
    public Images toFeaturize() {
        if (toFeaturize == null) {
            toFeaturize = new Images(run.toFeaturize(maxPartitionSize), listed.labels(), listed.root(),
                    countToFeaturize(), listed.ignored());
        }
        return toFeaturize;
    }

    /** The listing it compared. */
    public Images listed() {
        return listed;
    }

    /** The earlier features of the unchanged images, with the listing's labels and label indices (lazy). */
    public JavaRDD<FeatureRecord> reusedFeatures() {
        return run.reusedFeatures();
    }

    /** The ids of the changed images (lazy); {@code changes/} of the output lists them with both content ids. */
    public JavaRDD<String> changed() {
        return run.changes().filter(c -> c.change() == ChangeRecord.Kind.CHANGED).map(ChangeRecord::imageId);
    }

    /** The ids of the retired images: in the earlier outputs, no longer listed (lazy). */
    public JavaRDD<String> retired() {
        return run.changes().filter(c -> c.change() == ChangeRecord.Kind.RETIRED).map(ChangeRecord::imageId);
    }

    /** The rows of {@code changes/}. */
    JavaRDD<ChangeRecord> changes() {
        return run.changes();
    }

    /** The outputs given (normalized roots): what the new output's manifest records as {@code continuedFrom}. */
    public List<String> continuedFrom() {
        return run.continuedFrom();
    }

    /** Every output of the chain, oldest first: those given and, through their manifests, those they continued. */
    public List<String> chain() {
        return run.chain().roots();
    }

    /** Unpersists the joined pairs. Idempotent. */
    @Override
    public void close() {
        run.close();
    }
}
