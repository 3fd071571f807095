package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.orchard.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The storage contract once more with {@code -Dorchard.s3.get=sdk}: reads and listings through the AWS SDK client
 * instead of {@link S3Get} (what an HTTP proxy or an S3 Express bucket gets), against the same S3Proxy.
 */
class S3SdkPathStorageTest extends StorageContract {

    private static S3ProxyServer server;
    private static S3Storage storage;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.start();
        server.createBucket(S3StorageTest.BUCKET);
        String before = System.getProperty(S3Get.PROPERTY);
        System.setProperty(S3Get.PROPERTY, "sdk");
        try {
            storage = new S3Storage(server.options(), server.credentials(), S3StorageTest.PART, S3StorageTest.PART);
        } finally {
            if (before == null) {
                System.clearProperty(S3Get.PROPERTY);
            } else {
                System.setProperty(S3Get.PROPERTY, before);
            }
        }
        assertFalse(storage.leanReads());
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
        return "s3://" + S3StorageTest.BUCKET + "/sdk-path";
    }
}
