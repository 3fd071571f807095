package dev.orchard.internal.source;

import dev.orchard.internal.storage.StoredObject;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * A listing done by the executors ({@link ImageSource#listDistributed}): the images as an RDD of balanced,
 * bounded partitions, and on the driver only what is O(prefixes + labels): labels, counts, bytes.
 *
 * <p>The counts come from one action over the persisted listing, one result per listing partition (so a
 * retried task is never counted twice); {@link #count()} is the run's {@code listed}.
 *
 * <p><b>Lifecycle:</b> holds the executors' persisted raw listing, which {@link #images()} reads (once, through
 * its shuffle). {@link #close()} unpersists it; call it once the images have been consumed (featurized and
 * persisted, or written). Safe to call twice. Not thread-safe.
 *
 * @param root              the normalized input URI
 * @param images            every image exactly once, with its label, label index and content identity, in
 *                          partitions of at most the requested size, deterministic in order and placement
 * @param labels            the distinct labels, sorted; {@code labelIndex} points here
 * @param imagesPerLabel    images per label, in label order
 * @param count             images listed
 * @param ignored           objects that are not images by extension (not featurized, not errors)
 * @param bytes             total size of the images
 * @param listingPartitions listing tasks (prefixes or key ranges) the executors ran
 * @param partitionSize     images per partition of {@code images} (the last may hold fewer)
 */
public record DistributedListing(String root, JavaRDD<ImageRef> images, List<String> labels,
                                 Map<String, Long> imagesPerLabel, long count, long ignored, long bytes,
                                 int listingPartitions, int partitionSize, JavaRDD<StoredObject> rawListing)
        implements AutoCloseable {

    public DistributedListing {
        labels = List.copyOf(labels);
        imagesPerLabel = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(imagesPerLabel));
    }

    /** Images listed: the run's {@code listed}. */
    public long size() {
        return count;
    }

    /**
     * A seeded sample of about {@code n} images (all of them when there are fewer), read from at most
     * {@link #SAMPLE_PARTITIONS} partitions spread over the whole listing, so it costs one small job instead of a
     * pass over every partition (as {@code takeSample} would). Images come in listing order.
     */
    public List<ImageRef> sample(int n, long seed) {
        int partitions = images.getNumPartitions();
        java.util.Random random = new java.util.Random(seed);
        java.util.TreeSet<Integer> ids = new java.util.TreeSet<>();
        int wanted = Math.min(partitions, SAMPLE_PARTITIONS);
        while (ids.size() < wanted) {
            ids.add(random.nextInt(partitions));
        }
        List<ImageRef> pool = new java.util.ArrayList<>();
        for (List<ImageRef> part : images.collectPartitions(ids.stream().mapToInt(Integer::intValue).toArray())) {
            pool.addAll(part);
        }
        if (pool.size() <= n) {
            return pool;
        }
        java.util.Collections.shuffle(pool, random);
        List<ImageRef> picked = new java.util.ArrayList<>(pool.subList(0, n));
        picked.sort(java.util.Comparator.comparing(ImageRef::uri));
        return picked;
    }

    /** Partitions {@link #sample} reads at most. */
    public static final int SAMPLE_PARTITIONS = 16;

    /** Frees the executors' persisted raw listing (blocking: its blocks are gone when this returns). */
    @Override
    public void close() {
        rawListing.unpersist(true);
    }
}
