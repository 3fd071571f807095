package dev.orchard.internal.incremental;

import dev.orchard.internal.sink.ChangeRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.storage.Storage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The rows of an {@link OutputChain} as one table keyed by image id, "latest wins": for every image, the row
 * of the newest output that mentions it (features, an error, or its retirement in {@code changes/}); retired
 * images are dropped. Everything is lazy RDDs read on the executors (one partition per part file), so it
 * scales with the outputs, not with the driver; nothing is fetched from the input.
 */
public final class PreviousOutputs {

    /** What the newest output that mentions an image says about it. */
    public enum State { FEATURES, FAILED, RETIRED }

    /**
     * An image's identity in the previous outputs.
     *
     * @param rank      position of the output in the chain (higher is newer)
     * @param state     whether that output holds its features, an error, or retired it
     * @param contentId the content id recorded with the row ({@code ""} when the output predates the column)
     */
    public record Identity(int rank, State state, String contentId) implements Serializable {
        public Identity {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(contentId, "contentId");
        }

        /** The newer of two rows of the same image (features over an error of the same output: never both). */
        static Identity latest(Identity a, Identity b) {
            if (a.rank != b.rank) {
                return a.rank > b.rank ? a : b;
            }
            return a.state.ordinal() <= b.state.ordinal() ? a : b;
        }
    }

    private final JavaSparkContext sc;
    private final OutputChain chain;
    private final StorageOptions options;

    private PreviousOutputs(JavaSparkContext sc, OutputChain chain, StorageOptions options) {
        this.sc = sc;
        this.chain = chain;
        this.options = options;
    }

    /** The chain's rows (nothing is read until an action runs). */
    public static PreviousOutputs of(JavaSparkContext sc, OutputChain chain, StorageOptions options) {
        return new PreviousOutputs(Objects.requireNonNull(sc, "sc"), Objects.requireNonNull(chain, "chain"),
                Objects.requireNonNull(options, "options"));
    }

    public OutputChain chain() {
        return chain;
    }

    /** Image id → identity of its latest row, for every image the chain still holds (retired ones dropped). */
    public JavaPairRDD<String, Identity> identities() {
        return rows(false).mapValues(Tuple2::_1);
    }

    /**
     * Image id → latest features, for every image whose latest row holds features (an image that failed or was
     * retired in a later output is not here). The records keep the labels of the run that wrote them.
     */
    public JavaPairRDD<String, FeatureRecord> features() {
        return rows(true).filter(t -> t._2()._1().state() == State.FEATURES).mapValues(Tuple2::_2);
    }

    /**
     * The union of the chain's features, one row per image (latest wins, retired and later-failed images
     * left out), with label indices recomputed over the union's sorted labels (outputs made at different
     * times may have indexed different label sets). Runs one small job to collect the labels.
     */
    public JavaRDD<FeatureRecord> latestFeatures() {
        JavaRDD<FeatureRecord> rows = features().values();
        List<String> labels = new ArrayList<>(new java.util.TreeSet<>(rows.map(FeatureRecord::label).distinct()
                .collect()));
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
        return rows.map(f -> f.withLabel(f.label(), index.get(f.label())));
    }

    /** Latest row per image; {@code withVectors} keeps the feature records (else null: a lighter shuffle). */
    private JavaPairRDD<String, Tuple2<Identity, FeatureRecord>> rows(boolean withVectors) {
        List<JavaPairRDD<String, Tuple2<Identity, FeatureRecord>>> parts = new ArrayList<>();
        List<OutputChain.Link> links = chain.outputs();
        for (int i = 0; i < links.size(); i++) {
            int rank = i;
            String root = links.get(i).root();
            parts.add(Sink.readFeatures(sc, Storage.join(root, "features"), options).mapToPair(f ->
                    new Tuple2<>(f.imageId(), new Tuple2<>(new Identity(rank, State.FEATURES, f.contentId()),
                            withVectors ? f : null))));
            parts.add(Sink.readErrors(sc, Storage.join(root, "errors"), options).mapToPair(e ->
                    new Tuple2<>(e.imageId(), new Tuple2<>(new Identity(rank, State.FAILED, e.contentId()), null))));
            parts.add(Sink.readChanges(sc, Storage.join(root, "changes"), options)
                    .filter(c -> c.change() == ChangeRecord.Kind.RETIRED).mapToPair(c ->
                            new Tuple2<>(c.imageId(), new Tuple2<>(new Identity(rank, State.RETIRED,
                                    c.previousContentId()), null))));
        }
        JavaPairRDD<String, Tuple2<Identity, FeatureRecord>> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.union(parts.get(i));
        }
        return all.reduceByKey((a, b) -> Identity.latest(a._1(), b._1()) == a._1() ? a : b)
                .filter(t -> t._2()._1().state() != State.RETIRED);
    }
}
