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
import java.util.List;
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
}
