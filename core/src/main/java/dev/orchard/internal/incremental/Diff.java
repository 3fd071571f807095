package dev.orchard.internal.incremental;

import dev.orchard.internal.sink.ChangeRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.internal.source.ImageRef;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.Optional;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The listing compared with the previous outputs, image by image: one {@code fullOuterJoin} by image id of
 * the listed references with the previous identities (no vectors, no image bytes), so it runs where the data
 * is and works the same whether the listing was made on the driver or on the executors. The joined pairs
 * are persisted (a reference and an identity per image) until {@link #close()}.
 *
 * <p>Each image falls in exactly one {@link Status}; the listed ones reconcile:
 * {@code listed == new + changed + retried + unchanged}.
 */
public final class Diff implements AutoCloseable {

    /** What an image is to this run. */
    public enum Status {
        /** listed, in no previous output: featurized */
        NEW,
        /** listed with another content id than its previous row (or one not known then): featurized again */
        CHANGED,
        /** listed unchanged, but its previous row is an error (perhaps a transient one): tried again */
        RETRIED,
        /** listed with the content id of its previous features: reused, not fetched */
        UNCHANGED,
        /** in the previous outputs, no longer listed */
        RETIRED
    }

    /** Images per status. */
    public record Counts(long newImages, long changed, long retried, long unchanged, long retired) {
        /** Listed images: all but the retired. */
        public long listed() {
            return newImages + changed + retried + unchanged;
        }

        /** Images this run fetches and featurizes. */
        public long toFeaturize() {
            return newImages + changed + retried;
        }
    }

    private final JavaPairRDD<String, Tuple2<Optional<ImageRef>, Optional<PreviousOutputs.Identity>>> joined;
    private Counts counts;

    private Diff(JavaPairRDD<String, Tuple2<Optional<ImageRef>, Optional<PreviousOutputs.Identity>>> joined) {
        this.joined = joined;
    }

    /**
     * Joins the listing with the previous identities. Lazy until {@link #counts()} (or any RDD of it) runs.
     *
     * @param listed   the run's images, one per image id
     * @param previous image id → latest previous identity ({@link PreviousOutputs#identities()})
     */
    public static Diff of(JavaRDD<ImageRef> listed, JavaPairRDD<String, PreviousOutputs.Identity> previous) {
        int partitions = Math.max(listed.getNumPartitions(), previous.getNumPartitions());
        return new Diff(listed.keyBy(ImageRef::uri).fullOuterJoin(previous, partitions)
                .persist(StorageLevel.MEMORY_AND_DISK()));
    }

    /** The status of one image from its listed reference and its previous identity (either may be absent). */
    public static Status classify(ImageRef ref, PreviousOutputs.Identity previous) {
        if (ref == null) {
            if (previous == null) {
                throw new IllegalArgumentException("an image is listed, or in a previous output, or both");
            }
            return Status.RETIRED;
        }
        if (previous == null) {
            return Status.NEW;
        }
        String now = ref.contentId();
        boolean same = !now.isEmpty() && now.equals(previous.contentId());
        if (!same) {
            return Status.CHANGED;
        }
        return previous.state() == PreviousOutputs.State.FEATURES ? Status.UNCHANGED : Status.RETRIED;
    }

    private static Status classify(Tuple2<Optional<ImageRef>, Optional<PreviousOutputs.Identity>> t) {
        return classify(t._1().orElse(null), t._2().orElse(null));
    }

    /** Images per status (one Spark job, the first time). */
    public synchronized Counts counts() {
        if (counts == null) {
            Map<Status, Long> by = new EnumMap<>(Status.class);
            joined.values().map(Diff::classify).countByValue().forEach(by::put);
            counts = new Counts(by.getOrDefault(Status.NEW, 0L), by.getOrDefault(Status.CHANGED, 0L),
                    by.getOrDefault(Status.RETRIED, 0L), by.getOrDefault(Status.UNCHANGED, 0L),
                    by.getOrDefault(Status.RETIRED, 0L));
        }
        return counts;
    }

    /** The images to fetch and featurize: new, changed and retried ones, with this run's labels. */
    public JavaRDD<ImageRef> toFeaturize() {
        return joined.values().filter(t -> {
            Status s = classify(t);
            return s == Status.NEW || s == Status.CHANGED || s == Status.RETRIED;
        }).map(t -> t._1().get());
    }

    /** The unchanged images (their features are reused), with this run's labels. */
    public JavaRDD<ImageRef> unchanged() {
        return joined.values().filter(t -> classify(t) == Status.UNCHANGED).map(t -> t._1().get());
    }

    /** The changed and retired images, for {@code <output>/changes/}. */
    public JavaRDD<ChangeRecord> changes() {
        return joined.flatMap(kv -> {
            Status s = classify(kv._2());
            String previousId = kv._2()._2().isPresent() ? kv._2()._2().get().contentId() : "";
            if (s == Status.CHANGED) {
                return List.of(new ChangeRecord(kv._1(), ChangeRecord.Kind.CHANGED,
                        kv._2()._1().get().contentId(), previousId)).iterator();
            }
            if (s == Status.RETIRED) {
                return List.of(new ChangeRecord(kv._1(), ChangeRecord.Kind.RETIRED, "", previousId)).iterator();
            }
            return Collections.<ChangeRecord>emptyIterator();
        });
    }

    /**
     * The reused rows: the previous features of the unchanged images, re-labelled with this run's labels
     * (label indices follow the run's sorted labels, which new classes may have shifted).
     */
    public JavaRDD<FeatureRecord> reusedFeatures(PreviousOutputs previous) {
        return unchanged().keyBy(ImageRef::uri).join(previous.features())
                .values().map(t -> t._2().withLabel(t._1().label(), t._1().labelIndex()));
    }

    @Override
    public void close() {
        joined.unpersist(false);
    }
}
