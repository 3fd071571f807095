package dev.orchard.bench.source;

import dev.orchard.StorageOptions;
import dev.orchard.internal.source.DistributedListing;
import dev.orchard.internal.source.ImageListing;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.internal.source.Prefixes;
import dev.orchard.internal.storage.Storages;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Listing at scale: the driver listing ({@code ImageSource.list} + {@code parallelize}) against the distributed
 * one ({@code discover} + {@code listDistributed}), on a local tree of millions of hard links to the sample JPEGs.
 * Prints wall times and the heap in use after a full GC (MemoryMXBean, {@code System.gc()} three times) before
 * and after listing, with the listing still referenced, so the difference is what the listing retains.
 *
 * <pre>
 * python3 benchmarks/scripts/link-tree.py /tmp/listing-3m data-samples/fruits-sample/Training 300 10000
 * java -Xmx600m -cp ... dev.orchard.bench.source.ListingScale distributed /tmp/listing-3m
 * java -Xmx600m -cp ... dev.orchard.bench.source.ListingScale driver /tmp/listing-3m
 * </pre>
 * Spark runs {@code local[*]}: the executors share the driver's JVM, so the "after" heap is measured once the
 * executors' part is done (shuffle files written, raw listing unpersisted), as the next stage would start.
 */
public final class ListingScale {

    private ListingScale() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "driver" -> driver(args[1]);
            case "distributed" -> distributed(args[1], args.length > 2 ? Integer.parseInt(args[2])
                    : ImageSource.DEFAULT_MAX_PARTITION_SIZE);
            default -> throw new IllegalArgumentException("usage: driver ROOT | distributed ROOT [MAX_PARTITION_SIZE]");
        }
    }

    static void driver(String root) {
        long before = heapAfterGc();
        long t0 = System.nanoTime();
        ImageListing listing = ImageSource.list(root, StorageOptions.defaults());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = heapAfterGc();
        System.out.printf(Locale.ROOT, "driver: %,d images, %d labels, list %.1f s, heap after GC %s -> %s "
                        + "(retained %s, %.0f B/image), max heap %s%n", listing.size(), listing.labels().size(), seconds,
                mb(before), mb(after), mb(after - before), (after - before) / (double) listing.size(),
                mb(Runtime.getRuntime().maxMemory()));
    }

    static void distributed(String root, int maxPartitionSize) {
        SparkConf conf = new SparkConf().setMaster("local[*]").setAppName("listing-scale")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.parallelize(List.of(1, 2), 2).count(); // Spark's own start-up, outside the measurement
            long before = heapAfterGc();
            long t0 = System.nanoTime();
            Prefixes prefixes = ImageSource.discover(Storages.normalize(root), StorageOptions.defaults());
            long t1 = System.nanoTime();
            DistributedListing listing = ImageSource.listDistributed(sc, prefixes, StorageOptions.defaults(),
                    maxPartitionSize);
            long t2 = System.nanoTime();
            // The shuffle's map side, as the featurize stage would start it; one partition is read back.
            int first = listing.images().collectPartitions(new int[] {0})[0].size();
            long t3 = System.nanoTime();
            long withRaw = heapAfterGc();
            listing.close();
            long after = heapAfterGc();
            System.out.printf(Locale.ROOT, "distributed: %,d images, %d labels, %d listing tasks, %d partitions of "
                            + "<= %d (first: %d); discover %.2f s, list+count %.1f s, rank+shuffle %.1f s, total %.1f s; "
                            + "heap after GC %s -> %s (retained %s, %.2f B/image; %s while the executors' raw listing "
                            + "was still cached in this JVM), max heap %s%n",
                    listing.count(), listing.labels().size(), listing.listingPartitions(),
                    listing.images().getNumPartitions(), listing.partitionSize(), first,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9, mb(before), mb(after),
                    mb(after - before), (after - before) / (double) listing.count(), mb(withRaw - before),
                    mb(Runtime.getRuntime().maxMemory()));
            histogram(listing);
        }
    }

    /** The driver's largest live classes after the listing (what is retained), via the diagnostic MBean. */
    static void histogram(Object keepAlive) {
        try {
            String h = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {null}, new String[] {String[].class.getName()});
            h.lines().limit(12).forEach(System.out::println);
        } catch (Exception e) {
            System.out.println("no class histogram: " + e);
        }
        System.out.println("(histogram taken while " + keepAlive.getClass().getSimpleName() + " is referenced)");
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
