package dev.orchard.internal.source;

import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.KeyRange;
import dev.orchard.internal.storage.PrefixLevel;
import dev.orchard.internal.storage.Storage;
import dev.orchard.internal.storage.Storages;
import dev.orchard.internal.storage.StoredObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Stage 1, source: lists image objects under a URI and spreads them over partitions.
 *
 * <p>Two ways: {@link #discover} + {@link #listDistributed}, where the driver finds the prefixes and the
 * executors list them (driver memory O(prefixes), whatever the number of images), and the older
 * {@link #list} + {@link #parallelize}, where the driver holds every image (about 190 bytes each).
 *
 * <p>Images are selected by extension ({@code .jpg}, {@code .jpeg}, {@code .png}, any case); the label is
 * the name of the parent folder, as in Fruits-360's {@code Training/<Class>/<file>.jpg}. Executors fetch
 * the bytes themselves during featurization, so only URIs travel through Spark.
 */
public final class ImageSource {

    /** Default upper bound on images per partition: small enough to balance, big enough to batch. */
    public static final int DEFAULT_MAX_PARTITION_SIZE = 1_000;

    /**
     * A level with more objects directly in it than this is "huge and flat": discovery stops paging through it
     * (10 S3 pages) and splits it into key ranges instead.
     */
    public static final long DEFAULT_FLAT_THRESHOLD = 10_000;

    /**
     * Where a huge flat level is cut into key ranges (S3 {@code StartAfter}): before each digit and ASCII letter,
     * the usual first characters of file names, hashes and UUIDs. Other keys land in the neighbouring ranges, so
     * the ranges cover the whole key space whatever the names are; they only balance better on such names.
     */
    static final String RANGE_CUTS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** Single-child folders discovery descends through ({@code input/Training/<Class>}) before it stops. */
    static final int MAX_DESCENT = 8;

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
     * Finds what the executors will list (driver side, memory O(prefixes), one delimited listing per level):
     * the class folders under {@code inputUri} (descending through single-child folders such as
     * {@code Training/}), one range for the objects directly in it, or, when a level holds more than
     * {@code flatThreshold} objects directly (a huge flat prefix), key ranges that split it for S3
     * {@code StartAfter} listings.
     *
     * @throws dev.orchard.StorageException if the input cannot be listed or does not exist
     */
    public static Prefixes discover(String inputUri, StorageOptions options, long flatThreshold) {
        String at = Storages.normalize(inputUri);
        Storage storage = Storages.forUri(at, options);
        PrefixLevel level = storage.listLevel(at, flatThreshold);
        for (int depth = 0; depth < MAX_DESCENT && !level.flat() && level.directObjects() == 0
                && level.children().size() == 1; depth++) {
            at = level.children().get(0);
            level = storage.listLevel(at, flatThreshold);
        }
        List<KeyRange> ranges = new ArrayList<>();
        if (level.flat() && Storages.isS3(at)) {
            ranges.addAll(keyRanges(at));
        } else {
            level.children().forEach(c -> ranges.add(KeyRange.all(c)));
            if (level.directObjects() > 0) {
                ranges.add(KeyRange.direct(at));
            }
        }
        ranges.sort(RANGE_ORDER);
        return new Prefixes(Storages.normalize(inputUri), ranges);
    }

    /** {@link #discover(String, StorageOptions, long)} with {@link #DEFAULT_FLAT_THRESHOLD}. */
    public static Prefixes discover(String inputUri, StorageOptions options) {
        return discover(inputUri, options, DEFAULT_FLAT_THRESHOLD);
    }

    /** Key ranges that together cover everything under {@code prefixUri}, recursively, each key exactly once. */
    public static List<KeyRange> keyRanges(String prefixUri) {
        String dir = prefixUri.endsWith("/") ? prefixUri : prefixUri + "/";
        List<KeyRange> ranges = new ArrayList<>();
        String after = null;
        for (char c : RANGE_CUTS.toCharArray()) {
            String upTo = dir + c;
            ranges.add(new KeyRange(prefixUri, true, after, upTo));
            after = upTo;
        }
        ranges.add(new KeyRange(prefixUri, true, after, null));
        return ranges;
    }

    private static final Comparator<KeyRange> RANGE_ORDER = Comparator.comparing(KeyRange::dirUri)
            .thenComparing(KeyRange::startAfter, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(KeyRange::recursive);

    /**
     * Lists {@code prefixes} on the executors and spreads the images over balanced partitions of at most
     * {@code maxPartitionSize}, whatever the class skew; the driver holds O(prefixes + labels + partitions).
     *
     * <p>Three steps: (1) one task per range lists it ({@link Storage#listRange}) and sorts it by URI; the result
     * is persisted on the executors ({@code MEMORY_AND_DISK_SER}). (2) One action counts each listing partition
     * (images, ignored objects, bytes, images per label); the driver gets one small record per partition, keyed
     * by partition index, and derives the sorted labels and each partition's offset in the global order.
     * (3) Each image gets its global rank and is shuffled, by rank, to partition {@code rank / size}, sorted by
     * rank there: every partition holds the same number of consecutive images, and a rerun over the same objects
     * makes the same partitions. If a re-listing (after a lost block) counts differently, the task fails rather
     * than place an image twice.
     *
     * @throws IllegalArgumentException if no image was listed, or {@code maxPartitionSize < 1}
     */
    public static DistributedListing listDistributed(JavaSparkContext sc, Prefixes prefixes, StorageOptions options,
                                                     int maxPartitionSize) {
        if (maxPartitionSize < 1) {
            throw new IllegalArgumentException("maxPartitionSize must be >= 1 but was " + maxPartitionSize);
        }
        List<KeyRange> ranges = prefixes.ranges();
        JavaRDD<StoredObject> raw = sc.parallelize(ranges, ranges.size())
                .mapPartitions(it -> {
                    List<StoredObject> out = new ArrayList<>();
                    while (it.hasNext()) {
                        KeyRange r = it.next();
                        Storages.forUri(r.prefixUri(), options).listRange(r, out::add);
                    }
                    out.sort(Comparator.comparing(StoredObject::uri));
                    return out.iterator();
                })
                .setName("orchard listing of " + prefixes.root())
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            return index(sc, prefixes.root(), raw, ranges.size(), maxPartitionSize);
        } catch (RuntimeException e) {
            raw.unpersist(false);
            throw e;
        }
    }

    private static DistributedListing index(JavaSparkContext sc, String root, JavaRDD<StoredObject> raw,
                                            int listingPartitions, int maxPartitionSize) {
        List<RangeStats> stats = new ArrayList<>(raw
                .mapPartitionsWithIndex((i, it) -> List.of(RangeStats.of(i, it)).iterator(), true)
                .collect());
        stats.sort(Comparator.comparingInt(s -> s.partition));
        TreeMap<String, Long> perLabel = new TreeMap<>();
        long[] offsets = new long[stats.size()];
        long[] expected = new long[stats.size()];
        long n = 0;
        long ignored = 0;
        long bytes = 0;
        for (RangeStats s : stats) {
            offsets[s.partition] = n;
            expected[s.partition] = s.images;
            n += s.images;
            ignored += s.ignored;
            bytes += s.bytes;
            s.perLabel.forEach((l, c) -> perLabel.merge(l, c, Long::sum));
        }
        if (n == 0) {
            throw new IllegalArgumentException("No .jpg/.jpeg/.png images under " + root
                    + " (" + ignored + " other objects): check --input");
        }
        List<String> labels = new ArrayList<>(perLabel.keySet());
        HashMap<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
        int byLimit = (int) Math.min(Integer.MAX_VALUE, (n + maxPartitionSize - 1) / maxPartitionSize);
        int partitions = (int) Math.max(1, Math.min(n, Math.max(byLimit, sc.defaultParallelism())));
        long size = (n + partitions - 1) / partitions;
        partitions = (int) ((n + size - 1) / size);
        JavaPairRDD<Long, ImageRef> ranked = raw.mapPartitionsWithIndex((p, it) -> {
            List<Tuple2<Long, ImageRef>> out = new ArrayList<>();
            long rank = offsets[p];
            while (it.hasNext()) {
                StoredObject o = it.next();
                if (isImage(o.uri())) {
                    String label = Storages.parentName(o.uri());
                    out.add(new Tuple2<>(rank++, new ImageRef(o.uri(), label, index.get(label), o.size(), o.version())));
                }
            }
            if (rank - offsets[p] != expected[p]) {
                throw new IllegalStateException("The input changed while it was listed: listing partition " + p
                        + " held " + expected[p] + " images, then " + (rank - offsets[p]) + ": run again");
            }
            return out.iterator();
        }, true).mapToPair(t -> t);
        JavaRDD<ImageRef> images = ranked
                .repartitionAndSortWithinPartitions(new IndexPartitioner(partitions, size))
                .values()
                .setName("orchard images of " + root);
        return new DistributedListing(root, images, labels, perLabel, n, ignored, bytes, listingPartitions,
                (int) size, raw);
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
