package dev.orchard.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.StorageOptions;
import dev.orchard.testing.S3ProxyServer;
import dev.orchard.testing.SparkTestSupport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The distributed listing against a real S3 server (S3Proxy): 20,000 images in 201 class prefixes (one of
 * 5,000), plus non-images, in a bucket of its own (the shared server's store goes when the JVM exits). The driver
 * makes only the discovery requests; the executors (Spark tasks) page through every prefix; every key comes back
 * exactly once, with the label and label index the driver listing gives (folder name; index in the sorted labels).
 */
@SuppressWarnings("try") // try-with-resources scopes the default credentials
class DistributedListingS3Test {

    static final String BUCKET = "listing";
    static final int SMALL_CLASSES = 200;
    static final int PER_SMALL_CLASS = 75;
    static final int BIG_CLASS = 5_000;
    static final int NON_IMAGES = 40;
    static final int PUT_THREADS = 32;

    static S3ProxyServer server;
    /** Expected key → label of every image uploaded. */
    static final Map<String, String> IMAGES = new HashMap<>();
    static List<String> LABELS;

    @BeforeAll
    static void upload() throws Exception {
        server = S3ProxyServer.shared();
        server.createBucket(BUCKET);
        List<String> keys = new ArrayList<>();
        for (int c = 0; c < SMALL_CLASSES; c++) {
            String label = String.format("Class %03d", c);
            for (int i = 0; i < PER_SMALL_CLASS; i++) {
                String key = "data/Training/" + label + "/" + i + (i % 3 == 0 ? ".JPG" : i % 3 == 1 ? ".jpeg" : ".png");
                keys.add(key);
                IMAGES.put(key, label);
            }
        }
        for (int i = 0; i < BIG_CLASS; i++) {
            // Names that start with digits, letters and other characters, so key ranges see every case.
            String name = (i % 5 == 0 ? "é" : i % 5 == 1 ? "_" : i % 5 == 2 ? Integer.toHexString(i) : "r " + i)
                    + "-" + i + ".jpg";
            String key = "data/Training/Big/" + name;
            keys.add(key);
            IMAGES.put(key, "Big");
        }
        for (int i = 0; i < NON_IMAGES; i++) {
            keys.add("data/Training/Class " + String.format("%03d", i) + "/notes" + i + ".txt");
        }
        LABELS = new ArrayList<>(new TreeSet<>(IMAGES.values()));
        S3Client client = server.client();
        ExecutorService pool = Executors.newFixedThreadPool(PUT_THREADS);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (String key : keys) {
                puts.add(pool.submit(() -> client.putObject(b -> b.bucket(BUCKET).key(key),
                        RequestBody.fromBytes(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
            }
            for (Future<?> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void executorsListEveryKeyExactlyOnceWithTheDriverListingsLabels() throws Exception {
        StorageOptions options = server.options();
        try (var creds = server.installDefaultCredentials()) {
            long driverBefore = ListingRequestLog.ON_DRIVER.get();
            long tasksBefore = ListingRequestLog.IN_TASKS.get();
            Prefixes prefixes = ImageSource.discover("s3://" + BUCKET + "/data", options);
            assertEquals(SMALL_CLASSES + 1, prefixes.size(), "one range per class prefix");
            try (DistributedListing listing = ImageSource.listDistributed(SparkTestSupport.sc(), prefixes, options,
                    ImageSource.DEFAULT_MAX_PARTITION_SIZE)) {
                List<ImageRef> images = listing.images().collect();
                long driverRequests = ListingRequestLog.ON_DRIVER.get() - driverBefore;
                long taskRequests = ListingRequestLog.IN_TASKS.get() - tasksBefore;
                // Discovery: one delimited page at data/ and one at data/Training/ (201 prefixes < 1,000).
                assertEquals(2, driverRequests, "the driver only discovers");
                // Executors: at least one page per class prefix, five for the 5,000-key one.
                assertTrue(taskRequests >= SMALL_CLASSES + BIG_CLASS / 1_000, "executor list requests: " + taskRequests);

                assertEveryKeyOnce(images);
                assertEquals(IMAGES.size(), listing.count());
                assertEquals(NON_IMAGES, listing.ignored());
                assertEquals(LABELS, listing.labels(), "the folder names, sorted, as the driver listing gives them");
                assertEquals(Long.valueOf(BIG_CLASS), listing.imagesPerLabel().get("Big"));

                List<Integer> sizes = listing.images().glom().map(List::size).collect();
                assertTrue(sizes.stream().allMatch(s -> s <= ImageSource.DEFAULT_MAX_PARTITION_SIZE), sizes.toString());
            }
        }
    }

    @Test
    void aHugeFlatPrefixIsSplitIntoKeyRanges() throws Exception {
        StorageOptions options = server.options();
        try (var creds = server.installDefaultCredentials()) {
            String big = "s3://" + BUCKET + "/data/Training/Big";
            Prefixes prefixes = ImageSource.discover(big, options, 1_000);
            assertEquals(ImageSource.RANGE_CUTS.length() + 1, prefixes.size(), "flat: key ranges, not one prefix");
            try (DistributedListing listing = ImageSource.listDistributed(SparkTestSupport.sc(), prefixes, options,
                    700)) {
                List<ImageRef> images = listing.images().collect();
                assertEquals(BIG_CLASS, images.size());
                assertEquals(BIG_CLASS, images.stream().map(ImageRef::uri).distinct().count(), "each key once");
                assertTrue(images.stream().allMatch(r -> r.label().equals("Big") && r.labelIndex() == 0));
                assertTrue(listing.images().glom().map(List::size).collect().stream().allMatch(s -> s <= 700));
            }
        }
    }

    private static void assertEveryKeyOnce(List<ImageRef> images) {
        Map<String, Long> seen = images.stream().collect(Collectors.groupingBy(ImageRef::uri, TreeMap::new,
                Collectors.counting()));
        assertEquals(IMAGES.size(), images.size(), "no key twice");
        for (Map.Entry<String, String> e : IMAGES.entrySet()) {
            assertEquals(Long.valueOf(1), seen.get("s3://" + BUCKET + "/" + e.getKey()), e.getKey());
        }
        for (ImageRef r : images) {
            String key = r.uri().substring(("s3://" + BUCKET + "/").length());
            assertEquals(IMAGES.get(key), r.label(), key);
            assertEquals(LABELS.indexOf(r.label()), r.labelIndex(), "index into the sorted labels: " + key);
            assertTrue(r.size() > 0 && !r.version().isEmpty(), "size and ETag travel: " + r);
        }
    }
}
