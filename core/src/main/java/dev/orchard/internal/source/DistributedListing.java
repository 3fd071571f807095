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

    /** Frees the executors' persisted raw listing. */
    @Override
    public void close() {
        rawListing.unpersist(false);
    }
}
