package dev.orchard.internal.storage;

import dev.orchard.StorageException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Storage} must have (STYLE.md #9): each backend's test extends this
 * class and supplies the storage and a fresh root URI per test.
 */
abstract class StorageContract {

    /** More than one ListObjectsV2 page (1,000 keys), small enough to write in seconds. */
    static final int MANY_KEYS = 1_100;
    static final int CLASSES = 5;
    /** Bigger than the S3 suite's 5 MiB multipart threshold: three parts. */
    static final int BIG_FILE_BYTES = 12 * 1024 * 1024 + 12_345;
    static final long SEED = 20240611L;

    private static final AtomicInteger ROOTS = new AtomicInteger();

    @TempDir
    Path tmp;

    /** The storage under test; lives as long as the test class. */
    abstract Storage storage();

    /** A base URI (no trailing slash) that no other test uses, e.g. {@code s3://bucket/<unique>}. */
    abstract String baseUri();

    String newRoot() {
        return Storage.join(baseUri(), "t" + ROOTS.incrementAndGet());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writeThenReadReturnsTheSameBytesAndOverwriteReplaces() throws IOException {
        String uri = Storage.join(newRoot(), "a/b.txt");
        storage().write(uri, utf8("first"));
        assertArrayEquals(utf8("first"), storage().readAllBytes(uri));
        assertTrue(storage().exists(uri));

        storage().write(uri, utf8("second, longer"));
        assertArrayEquals(utf8("second, longer"), storage().readAllBytes(uri));
        try (InputStream in = storage().open(uri)) {
            assertArrayEquals(utf8("second, longer"), in.readAllBytes());
        }
    }

    @Test
    void emptyObjectRoundTrips() throws IOException {
        String uri = Storage.join(newRoot(), "empty.bin");
        storage().write(uri, new byte[0]);
        assertTrue(storage().exists(uri));
        assertArrayEquals(new byte[0], storage().readAllBytes(uri));
        assertEquals(List.of(new StoredObject(uri, 0)), withoutVersions(storage().list(newRootParent(uri))));
    }

    private static String newRootParent(String uri) {
        return uri.substring(0, uri.lastIndexOf('/'));
    }

    @Test
    void missingObjectDoesNotExistAndReadingItThrowsNoSuchFile() throws IOException {
        String root = newRoot();
        storage().write(Storage.join(root, "dir/present"), utf8("x"));
        String missing = Storage.join(root, "dir/absent");
        assertFalse(storage().exists(missing));
        assertFalse(storage().exists(Storage.join(root, "dir")), "a prefix is not an object");
        assertThrows(NoSuchFileException.class, () -> storage().readAllBytes(missing));
        assertThrows(NoSuchFileException.class, () -> storage().open(missing).close());
    }

    @Test
    void listIsRecursiveCompleteAndPagesPastOneThousandKeys() throws Exception {
        String root = newRoot();
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < MANY_KEYS; i++) {
            String uri = Storage.join(root, "Class" + (i % CLASSES) + "/img" + i + ".jpg");
            expected.put(uri, (long) (i % 7));
        }
        expected.put(Storage.join(root, "top-level.txt"), 3L);
        expected.put(Storage.join(root, "Class0/nested/deeper/x.png"), 5L);
        writeAll(expected);

        Map<String, Long> listed = storage().list(root).stream()
                .collect(Collectors.toMap(StoredObject::uri, StoredObject::size));
        assertEquals(expected, listed);

        storage().deleteRecursively(root); // > 1,000 keys: more than one DeleteObjects batch on S3
        assertTrue(storage().isEmptyPrefix(root));
    }

    private void writeAll(Map<String, Long> objects) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Map.Entry<String, Long> e : objects.entrySet()) {
                done.add(pool.submit(() -> {
                    storage().write(e.getKey(), new byte[e.getValue().intValue()]);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void listOfMissingPrefixThrowsStorageExceptionNamingIt() {
        String missing = Storage.join(newRoot(), "nothing-here");
        StorageException e = assertThrows(StorageException.class, () -> storage().list(missing));
        assertEquals(missing, e.uri());
        assertTrue(e.getMessage().contains("nothing-here"), e.getMessage());
    }

    @Test
    void listOfAPrefixDoesNotIncludeSiblingsSharingItsName() throws IOException {
        String root = newRoot();
        storage().write(Storage.join(root, "data/x"), utf8("x"));
        storage().write(Storage.join(root, "data2/y"), utf8("y"));
        storage().write(Storage.join(root, "data.txt"), utf8("z"));
        assertEquals(List.of(new StoredObject(Storage.join(root, "data/x"), 1)), withoutVersions(
                storage().list(Storage.join(root, "data"))));
    }

    @Test
    void listingCarriesAContentVersionThatChangesWithTheContent() throws Exception {
        String uri = Storage.join(newRoot(), "v/img.jpg");
        storage().write(uri, utf8("first"));
        String v1 = storage().list(newRootParent(uri)).get(0).version();
        // Local versions are modification times, and Linux stamps files from a coarse clock that advances once per
        // kernel tick (up to 10 ms at HZ=100): 5 ms was too short on a clean-clone CI run (same version twice).
        Thread.sleep(50);
        storage().write(uri, utf8("other"));
        String v2 = storage().list(newRootParent(uri)).get(0).version();
        assertFalse(v1.isEmpty(), "a listed object has a content version (ETag or modification time)");
        assertNotEquals(v1, v2, "rewriting an object with other bytes changes its version");
    }

    /** Listed objects without their content versions (which differ per backend), for comparing uri and size. */
    static List<StoredObject> withoutVersions(List<StoredObject> objects) {
        return objects.stream().map(o -> new StoredObject(o.uri(), o.size())).collect(Collectors.toList());
    }

    /** Keys that break naive URL or path handling; the URI form is raw, never percent-encoded. */
    static final List<String> AWKWARD_KEYS = List.of(
            "with space/a b.jpg",
            "plus+sign/c+d.jpg",
            "percent/100%25 real%.jpg",
            "hash#tag/e#f.jpg",
            "unicodé/日本語/ü ñ.png",
            "deep/1/2/3/4/5/6/7/8/9/10/leaf.jpg",
            "amp&eq=/x&y=z.jpg",
            "tilde~/quote'(paren)!.jpg",
            "colon:semi;/a:b@c,d$.jpg");

    @Test
    void awkwardKeysRoundTripExactly() throws IOException {
        String root = newRoot();
        Map<String, Long> expected = new HashMap<>();
        for (String key : AWKWARD_KEYS) {
            String uri = Storage.join(root, key);
            storage().write(uri, utf8(key));
            expected.put(uri, (long) utf8(key).length);
        }
        Map<String, Long> listed = storage().list(root).stream()
                .collect(Collectors.toMap(StoredObject::uri, StoredObject::size));
        assertEquals(expected, listed);
        for (String key : AWKWARD_KEYS) {
            String uri = Storage.join(root, key);
            assertArrayEquals(utf8(key), storage().readAllBytes(uri), key);
            assertTrue(storage().exists(uri), key);
            assertEquals(key.substring(key.lastIndexOf('/') + 1), Storages.fileName(uri));
            storage().delete(uri);
            assertFalse(storage().exists(uri), key);
        }
    }

    @Test
    void uploadOfAMultiMegabyteFileIsExactAndReplaces() throws IOException {
        byte[] big = new byte[BIG_FILE_BYTES];
        new Random(SEED).nextBytes(big);
        Path file = tmp.resolve("big.bin");
        Files.write(file, big);
        Path small = tmp.resolve("small.bin");
        Files.write(small, utf8("small"));

        String uri = Storage.join(newRoot(), "out/part-00000.parquet");
        storage().upload(small, uri);
        assertArrayEquals(utf8("small"), storage().readAllBytes(uri));
        storage().upload(file, uri);
        assertArrayEquals(big, storage().readAllBytes(uri));
        assertEquals(List.of(new StoredObject(uri, BIG_FILE_BYTES)), withoutVersions(storage().list(newRootParent(uri))));
    }

    @Test
    void deleteRecursivelyRemovesEverythingUnderThePrefixOnly() throws IOException {
        String root = newRoot();
        String out = Storage.join(root, "out");
        for (String k : List.of("a", "b/c", "d/e/f", "_SUCCESS")) {
            storage().write(Storage.join(out, k), utf8(k));
        }
        String sibling = Storage.join(root, "out2/x");
        storage().write(sibling, utf8("keep"));
        String sameStem = Storage.join(root, "out.txt");
        storage().write(sameStem, utf8("keep"));

        storage().deleteRecursively(out);

        assertTrue(storage().isEmptyPrefix(out));
        assertTrue(storage().exists(sibling));
        assertTrue(storage().exists(sameStem));
        storage().deleteRecursively(out); // nothing left: a no-op
        storage().deleteRecursively(sameStem); // a single object goes too
        assertFalse(storage().exists(sameStem));
    }

    @Test
    void isEmptyPrefixSeesAnythingUnderThePrefixOrAnObjectAtIt() throws IOException {
        String root = newRoot();
        String dir = Storage.join(root, "dir");
        assertTrue(storage().isEmptyPrefix(dir), "missing prefix");
        storage().write(Storage.join(dir, "sub/x"), utf8("x"));
        assertFalse(storage().isEmptyPrefix(dir));
        assertFalse(storage().isEmptyPrefix(Storage.join(dir, "sub/x")), "an object is not an empty prefix");
        assertTrue(storage().isEmptyPrefix(Storage.join(root, "di")), "a shorter name is another prefix");
    }

    @Test
    void deleteRemovesOneObjectAndIgnoresMissingOnes() throws IOException {
        String root = newRoot();
        String a = Storage.join(root, "a");
        String b = Storage.join(root, "b");
        storage().write(a, utf8("a"));
        storage().write(b, utf8("b"));
        storage().delete(a);
        storage().delete(a);
        assertFalse(storage().exists(a));
        assertTrue(storage().exists(b));
    }
}
