package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.orchard.testing.S3ProxyServer;
import dev.orchard.testing.SparkTestSupport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The production path from Spark tasks: only the URI and the serializable options travel to
 * executors; each JVM gets its S3 client from {@link Storages#forUri} with default-chain credentials.
 */
@SuppressWarnings("try") // try-with-resources scopes the default credentials
class S3SparkTest {

    static final int OBJECTS = 24;
    static final int PARTITIONS = 3;

    @Test
    void executorsReadAndWriteThroughStoragesForUri() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        server.createBucket("spark");
        StorageOptions options = server.options();
        try (var creds = server.installDefaultCredentials()) {
            Storage driver = Storages.forUri("s3://spark/in", options);
            assertSame(driver, Storages.forUri("s3://spark/other", options), "one client per JVM per options");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < OBJECTS; i++) {
                String name = "Class " + (i % 3) + "/img+" + i + ".jpg";
                driver.write("s3://spark/in/" + name, name.getBytes(StandardCharsets.UTF_8));
                expected.add(name);
            }
            List<String> uris = driver.list("s3://spark/in").stream().map(StoredObject::uri)
                    .sorted().collect(Collectors.toList());

            JavaSparkContext sc = SparkTestSupport.sc();
            List<String> read = sc.parallelize(uris, PARTITIONS).map(uri -> {
                Storage s = Storages.forUri(uri, options);
                String text = new String(s.readAllBytes(uri), StandardCharsets.UTF_8);
                s.write(uri.replace("s3://spark/in/", "s3://spark/out/") + ".txt",
                        text.getBytes(StandardCharsets.UTF_8));
                return text;
            }).collect();

            List<String> sortedRead = new ArrayList<>(read);
            Collections.sort(sortedRead);
            Collections.sort(expected);
            assertEquals(expected, sortedRead);
            assertEquals(OBJECTS, driver.list("s3://spark/out").size());
            driver.deleteRecursively("s3://spark");
        }
    }
}
