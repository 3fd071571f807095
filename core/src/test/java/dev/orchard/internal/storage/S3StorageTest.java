package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link S3Storage} against the storage contract, on a real S3Proxy server over HTTP with SigV4,
 * with a 5 MiB multipart threshold so the contract's 12 MiB upload goes in three parts.
 */
class S3StorageTest extends StorageContract {

    static final String BUCKET = "contract";
    static final int PART = S3Storage.MIN_PART_SIZE;

    private static S3ProxyServer server;
    private static S3Storage storage;
    private static final RequestLog requests = new RequestLog();

    @BeforeAll
    static void start() {
        server = S3ProxyServer.start();
        server.createBucket(BUCKET);
        storage = new S3Storage(server.options(), server.credentials(), PART, PART, List.of(requests));
    }

    @AfterAll
    static void stop() {
        try {
            if (storage != null) {
                storage.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Override
    Storage storage() {
        return storage;
    }

    @Override
    String baseUri() {
        return "s3://" + BUCKET + "/base";
    }

    @Test
    void bigUploadReallyGoesInPartsAndSmallOnesInOnePut() throws IOException {
        byte[] big = new byte[2 * PART + 1];
        new Random(SEED).nextBytes(big);
        Path file = tmp.resolve("big.bin");
        Files.write(file, big);
        String uri = Storage.join(newRoot(), "big.bin");
        requests.clear();
        storage.upload(file, uri);
        assertEquals(List.of("CreateMultipartUploadRequest", "UploadPartRequest", "UploadPartRequest",
                "UploadPartRequest", "CompleteMultipartUploadRequest"), requests.operations());
        assertArrayEquals(big, storage.readAllBytes(uri));

        Files.write(file, new byte[PART]);
        requests.clear();
        storage.upload(file, uri);
        assertEquals(List.of("PutObjectRequest"), requests.operations());
        assertEquals(PART, storage.readAllBytes(uri).length);
    }

    @Test
    void listingAndReadingNeverBuildTheSdkClient() throws IOException {
        String root = newRoot();
        for (String key : List.of("Apple/0 1.jpg", "Apple/2.jpg", "Banana & co/3.jpg")) {
            storage.write(Storage.join(root, key), key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        try (S3Storage reader = new S3Storage(server.options(), server.credentials(), PART, PART)) {
            assertEquals(3, reader.list(root).size());
            PrefixLevel level = reader.listLevel(root, 10);
            assertEquals(List.of(Storage.join(root, "Apple"), Storage.join(root, "Banana & co")), level.children());
            List<StoredObject> ranged = new java.util.ArrayList<>();
            reader.listRange(KeyRange.all(Storage.join(root, "Apple")), ranged::add);
            assertEquals(2, ranged.size());
            assertEquals("Banana & co/3.jpg", new String(reader.readAllBytes(Storage.join(root, "Banana & co/3.jpg")),
                    java.nio.charset.StandardCharsets.UTF_8));
            assertFalse(reader.isEmptyPrefix(root));
            assertFalse(reader.sdkClientBuilt(), "lists and reads take S3Get only");
            reader.exists(Storage.join(root, "Apple/2.jpg"));
            assertTrue(reader.sdkClientBuilt(), "HEAD is the SDK's");
        }
    }

    @Test
    void sixteenThreadsReadingAtOnceEachGetTheirOwnObject() throws Exception {
        String root = newRoot();
        int objects = 200;
        for (int i = 0; i < objects; i++) {
            storage.write(Storage.join(root, "o" + i), body(i));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<Boolean>> reads = new java.util.ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < objects; i++) {
                    int n = i;
                    reads.add(pool.submit(() -> java.util.Arrays.equals(body(n),
                            storage.readAllBytes(Storage.join(root, "o" + n)))));
                }
            }
            for (java.util.concurrent.Future<Boolean> read : reads) {
                assertTrue(read.get(), "a pooled connection handed one thread another's body");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] body(int n) {
        byte[] b = new byte[1000 + 37 * n];
        new Random(n).nextBytes(b);
        return b;
    }
}
