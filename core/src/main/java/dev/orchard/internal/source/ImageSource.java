package dev.orchard.internal.source;

import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import dev.orchard.internal.storage.StoredObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Stage 1, source: lists image objects under a URI on the driver and spreads them over partitions.
 *
 * <p>Images are selected by extension ({@code .jpg}, {@code .jpeg}, {@code .png}, any case); the label is
 * the name of the parent folder, as in Fruits-360's {@code Training/<Class>/<file>.jpg}. Executors fetch
 * the bytes themselves during featurization, so only URIs travel through Spark.
 */
public final class ImageSource {

    /** Default upper bound on images per partition: small enough to balance, big enough to batch. */
    public static final int DEFAULT_MAX_PARTITION_SIZE = 1_000;

    private ImageSource() {}

    /** Whether a key names an image Orchard featurizes. */
    public static boolean isImage(String uri) {
        String name = Storages.fileName(uri).toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }

    /**
     * Lists the images under {@code inputUri} (driver side).
     *
     * @throws dev.orchard.StorageException if the input cannot be listed
     * @throws IllegalArgumentException if it holds no image at all
     */
    public static ImageListing list(String inputUri, StorageOptions options) {
        String root = Storages.normalize(inputUri);
        Storage storage = Storages.forUri(root, options);
        List<StoredObject> objects = storage.list(root);
        return fromObjects(root, objects);
    }

    /** Builds a listing from already listed objects (sorted, labelled, non-images counted). */
    public static ImageListing fromObjects(String root, List<StoredObject> objects) {
        List<StoredObject> selected = new ArrayList<>(objects.size());
        long ignored = 0;
        for (StoredObject o : objects) {
            if (isImage(o.uri())) {
                selected.add(o);
            } else {
                ignored++;
            }
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("No .jpg/.jpeg/.png images under " + root
                    + " (" + objects.size() + " other objects): check --input");
        }
        selected.sort(Comparator.comparing(StoredObject::uri));
        TreeSet<String> labelSet = new TreeSet<>();
        for (StoredObject o : selected) {
            labelSet.add(Storages.parentName(o.uri()));
        }
        List<String> labels = new ArrayList<>(labelSet);
        Map<String, Integer> index = labels.stream()
                .collect(Collectors.toMap(Function.identity(), labels::indexOf));
        List<ImageRef> images = new ArrayList<>(selected.size());
        for (StoredObject o : selected) {
            String label = Storages.parentName(o.uri());
            images.add(new ImageRef(o.uri(), label, index.get(label), o.size(), o.version()));
        }
        return new ImageListing(root, images, labels, ignored);
    }

    /**
     * Spreads the listing over partitions of at most {@code maxPartitionSize} images, and at least as
     * many partitions as the cluster has task slots (so every core works).
     */
    public static JavaRDD<ImageRef> parallelize(JavaSparkContext sc, ImageListing listing, int maxPartitionSize) {
        if (maxPartitionSize < 1) {
            throw new IllegalArgumentException("maxPartitionSize must be >= 1 but was " + maxPartitionSize);
        }
        int n = listing.size();
        int byLimit = (int) Math.ceil(n / (double) maxPartitionSize);
        int slices = Math.max(1, Math.min(n, Math.max(byLimit, sc.defaultParallelism())));
        return sc.parallelize(listing.images(), slices);
    }
}
