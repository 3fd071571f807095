package dev.orchard;

import dev.orchard.internal.source.ImageRef;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;

/**
 * Images to featurize: listed under a URI ({@link Orchard#list}) or given as an RDD a job already has
 * ({@link Orchard#fromUris}, {@link Orchard#fromBytes}). A value: it holds a lazy RDD and the run's labels,
 * no resources.
 */
public final class Images {

    private final JavaRDD<ImageRef> refs;
    private final List<String> labels;
    private final String root;
    private final long listed;
    private final long ignored;

    Images(JavaRDD<ImageRef> refs, List<String> labels, String root, long listed, long ignored) {
        this.refs = Objects.requireNonNull(refs, "refs");
        this.labels = List.copyOf(labels);
        this.root = root;
        this.listed = listed;
        this.ignored = ignored;
    }

    /** The distinct labels, sorted; an image's {@code label_index} points into this list. */
    public List<String> labels() {
        return labels;
    }

    /** The listed URI (normalized), or {@code null} for images given as an RDD. */
    public String root() {
        return root;
    }

    /**
     * How many images were listed, or {@code -1} when not known before featurization (images given as an RDD:
     * {@link Featurization#listed()} counts them).
     */
    public long knownCount() {
        return listed;
    }

    /** Objects under the root that were not images by extension (not featurized, not errors). */
    public long ignored() {
        return ignored;
    }

    /** Partitions the featurization will run as. */
    public int numPartitions() {
        return refs.getNumPartitions();
    }

    JavaRDD<ImageRef> refs() {
        return refs;
    }
}
