package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The incremental scenario on S3 (S3Proxy over HTTP with SigV4), where an image's identity is size + ETag. */
class IncrementalS3RunTest extends IncrementalScenario {

    static S3ProxyServer s3;
    static AutoCloseable credentials;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket("incremental");
        credentials = s3.installDefaultCredentials();
    }

    @AfterAll
    static void stop() throws Exception {
        if (credentials != null) {
            credentials.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    String root() {
        return "s3://incremental";
    }

    @Override
    StorageOptions options() {
        return s3.options();
    }

    @Override
    List<String> storageFlags() {
        return List.of("--s3-endpoint", s3.endpoint());
    }

    @Test
    void incrementalRunOnS3UsesTheETag() throws IOException {
        String first = scenario();
        List<FeatureRecord> rows = features(first);
        assertTrue(rows.stream().allMatch(f -> f.contentId().matches("\\d+:\"?[0-9a-f]{32}\"?")),
                "identity is size:ETag (an MD5 for single-part uploads): " + rows.get(0).contentId());
    }
}
