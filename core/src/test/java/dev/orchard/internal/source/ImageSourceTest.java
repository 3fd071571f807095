package dev.orchard.internal.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.orchard.internal.storage.Storages;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSourceTest {

    @TempDir
    Path dir;

    private void touch(String relative) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
    }

    @Test
    void labelsComeFromParentFoldersAndOnlyImagesAreSelected() throws IOException {
        touch("Training/Banana/2_100.jpg");
        touch("Training/Apple Red/1_100.JPG");
        touch("Training/Apple Red/x y+%#é.jpeg");
        touch("Training/Kiwi/deep/nested/k.png");
        touch("Training/Kiwi/notes.txt");
        touch("Training/Banana/.DS_Store");

        ImageListing listing = ImageSource.list(dir.resolve("Training").toString(), StorageOptions.defaults());

        assertEquals(List.of("Apple Red", "Banana", "nested"), listing.labels());
        assertEquals(4, listing.size());
        assertEquals(2, listing.ignored());
        List<String> ids = listing.images().stream().map(ImageRef::uri).collect(Collectors.toList());
        assertTrue(ids.contains("file://" + dir.resolve("Training/Apple Red/x y+%#é.jpeg")), ids.toString());
        for (ImageRef r : listing.images()) {
            assertEquals(listing.labels().get(r.labelIndex()), r.label());
            assertTrue(r.uri().startsWith("file:///"), r.uri());
        }
        List<String> sorted = ids.stream().sorted().collect(Collectors.toList());
        assertEquals(sorted, ids, "listing is sorted, so partitioning is deterministic");
    }

    @Test
    void missingInputIsAClearError() {
        StorageException e = assertThrows(StorageException.class,
                () -> ImageSource.list(dir.resolve("nope").toString(), StorageOptions.defaults()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void folderWithoutImagesIsAClearError() throws IOException {
        touch("a/readme.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSource.list(dir.toString(), StorageOptions.defaults()));
        assertTrue(e.getMessage().contains("No .jpg/.jpeg/.png images"), e.getMessage());
    }

    @Test
    void partitionsAreBoundedAndCoverEveryImageOnce() throws IOException {
        for (int i = 0; i < 25; i++) {
            touch("C" + (i % 3) + "/" + i + ".jpg");
        }
        ImageListing listing = ImageSource.list(dir.toString(), StorageOptions.defaults());
        JavaRDD<ImageRef> rdd = ImageSource.parallelize(SparkTestSupport.sc(), listing, 4);
        assertEquals(7, rdd.getNumPartitions());
        List<Integer> sizes = rdd.glom().map(List::size).collect();
        assertTrue(sizes.stream().allMatch(s -> s <= 4), sizes.toString());
        assertEquals(listing.images(), rdd.collect());
    }

    @Test
    void distributedListingMatchesTheDriverListing() throws IOException {
        touch("Training/Banana/2_100.jpg");
        touch("Training/Apple Red/1_100.JPG");
        touch("Training/Apple Red/x y+%#é.jpeg");
        touch("Training/Kiwi/deep/nested/k.png");
        touch("Training/Kiwi/notes.txt");
        touch("Training/Banana/.DS_Store");
        touch("Training/top.png");
        String input = dir.toString();

        ImageListing driver = ImageSource.list(input, StorageOptions.defaults());
        Prefixes prefixes = ImageSource.discover(input, StorageOptions.defaults());
        assertEquals(List.of("", "Apple Red", "Banana", "Kiwi"), prefixes.ranges().stream()
                .map(r -> r.recursive() ? Storages.fileName(r.prefixUri()) : "").collect(Collectors.toList()),
                "descends through Training/, one range per class folder plus the direct objects");
        try (DistributedListing listing = ImageSource.listDistributed(SparkTestSupport.sc(), prefixes,
                StorageOptions.defaults(), 2)) {
            assertEquals(driver.labels(), listing.labels());
            assertEquals(driver.size(), listing.count());
            assertEquals(driver.ignored(), listing.ignored());
            assertEquals(new HashSet<>(driver.images()), new HashSet<>(listing.images().collect()));
            assertEquals(5, listing.bytes());
            assertEquals(Map.of("Apple Red", 2L, "Banana", 1L, "nested", 1L, "Training", 1L),
                    listing.imagesPerLabel());
        }
    }

    @Test
    void skewedClassesGiveBalancedBoundedDeterministicPartitions() throws IOException {
        int big = 10_000;
        int bound = 1_000;
        for (int i = 0; i < big; i++) {
            touch("Big/" + i + ".jpg");
        }
        for (int c = 0; c < 10; c++) {
            for (int i = 0; i < 10; i++) {
                touch("Small" + c + "/" + i + ".png");
            }
        }
        Prefixes prefixes = ImageSource.discover(dir.toString(), StorageOptions.defaults());
        assertEquals(11, prefixes.size());
        List<List<ImageRef>> first;
        try (DistributedListing listing = ImageSource.listDistributed(SparkTestSupport.sc(), prefixes,
                StorageOptions.defaults(), bound)) {
            first = listing.images().glom().collect();
            assertEquals(big + 100, listing.count());
            assertEquals(Long.valueOf(big), listing.imagesPerLabel().get("Big"));
            List<ImageRef> sample = listing.sample(50, 7);
            assertEquals(50, sample.size());
            assertEquals(50, sample.stream().map(ImageRef::uri).distinct().count());
            assertEquals(sample, listing.sample(50, 7), "seeded");
        }
        List<Integer> sizes = first.stream().map(List::size).collect(Collectors.toList());
        assertEquals(11, sizes.size(), sizes.toString());
        assertTrue(sizes.stream().allMatch(s -> s <= bound), sizes.toString());
        assertTrue(sizes.subList(0, sizes.size() - 1).stream().distinct().count() == 1,
                "all partitions but the last hold the same number of images: " + sizes);
        assertTrue(sizes.stream().mapToInt(Integer::intValue).min().orElse(0) >= 100, sizes.toString());
        Set<String> uris = first.stream().flatMap(List::stream).map(ImageRef::uri).collect(Collectors.toSet());
        assertEquals(big + 100, uris.size(), "every image exactly once");

        try (DistributedListing again = ImageSource.listDistributed(SparkTestSupport.sc(),
                ImageSource.discover(dir.toString(), StorageOptions.defaults()), StorageOptions.defaults(), bound)) {
            assertEquals(first, again.images().glom().collect(), "a rerun makes the same partitions, in order");
        }
    }

    @Test
    void distributedListingOfAFolderWithoutImagesIsAClearError() throws IOException {
        touch("a/readme.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageSource.listDistributed(SparkTestSupport.sc(),
                        ImageSource.discover(dir.toString(), StorageOptions.defaults()), StorageOptions.defaults(), 10));
        assertTrue(e.getMessage().contains("No .jpg/.jpeg/.png images") && e.getMessage().contains("1 other"),
                e.getMessage());
        StorageException missing = assertThrows(StorageException.class,
                () -> ImageSource.discover(dir.resolve("nope").toString(), StorageOptions.defaults()));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }
}
