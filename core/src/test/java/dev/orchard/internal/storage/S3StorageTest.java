package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
