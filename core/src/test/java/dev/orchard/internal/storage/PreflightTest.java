package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks the CLI runs before Spark starts, on S3 (through the default credential chain,
 * like production) and on local paths.
 */
@SuppressWarnings("try") // try-with-resources scopes the default credentials
class PreflightTest {

    static final String BUCKET = "preflight";
    private static S3ProxyServer server;
    private static StorageOptions options;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        server = S3ProxyServer.shared();
        options = server.options();
        server.createBucket(BUCKET);
        try (S3Storage s3 = new S3Storage(options, server.credentials(), S3Storage.MIN_PART_SIZE,
                S3Storage.MIN_PART_SIZE)) {
            s3.write("s3://preflight/images/Apple/1.jpg", new byte[] {1});
            s3.write("s3://preflight/models/m1/saved_model.pb", new byte[] {2});
            s3.write("s3://preflight/models/m1/variables/variables.index", new byte[] {3});
            s3.write("s3://preflight/models/not-a-model/readme.txt", new byte[] {4});
        }
    }

    @AfterAll
    static void cleanUp() {
        try (S3Storage s3 = new S3Storage(options, server.credentials(), S3Storage.MIN_PART_SIZE,
                S3Storage.MIN_PART_SIZE)) {
            s3.deleteRecursively("s3://" + BUCKET);
        }
    }

    private static String fails(Executable check) {
        String message = assertThrows(StorageException.class, check).getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        return message;
    }

    @Test
    void s3ChecksPassForAReadableInputAWritableOutputAndASavedModel() {
        try (var creds = server.installDefaultCredentials()) {
            assertDoesNotThrow(() -> Preflight.checkReadable("s3://preflight/images", options));
            assertDoesNotThrow(() -> Preflight.checkModelReadable("s3://preflight/models/m1", options));
            assertDoesNotThrow(() -> Preflight.checkWritable("s3://preflight/out/run1", options));
        }
        try (S3Storage s3 = new S3Storage(options, server.credentials(), S3Storage.MIN_PART_SIZE,
                S3Storage.MIN_PART_SIZE)) {
            assertTrue(s3.isEmptyPrefix("s3://preflight/out"), "the marker was deleted again");
        }
    }

    @Test
    void s3ChecksNameWhatIsWrong() {
        try (var creds = server.installDefaultCredentials()) {
            assertTrue(fails(() -> Preflight.checkReadable("s3://preflight/imagez", options))
                    .startsWith("No objects under s3://preflight/imagez: check --input"));
            assertTrue(fails(() -> Preflight.checkModelReadable("s3://preflight/models/missing", options))
                    .startsWith("Model s3://preflight/models/missing does not exist"));
            assertTrue(fails(() -> Preflight.checkModelReadable("s3://preflight/models/not-a-model", options))
                    .startsWith("Model s3://preflight/models/not-a-model has no saved_model.pb"));
            assertTrue(fails(() -> Preflight.checkWritable("s3://no-such-bucket/out", options))
                    .startsWith("S3 bucket 'no-such-bucket' does not exist in region eu-west-3"));
            assertTrue(fails(() -> Preflight.checkModelReadable("s3://no-such-bucket/m", options))
                    .startsWith("S3 bucket 'no-such-bucket' does not exist"));
        }
    }

    @Test
    void s3ChecksRefuseAWrongSecretFromTheDefaultChainWithoutPrintingIt() {
        String wrong = "wrong-" + UUID.randomUUID();
        try (var creds = S3ProxyServer.DefaultCredentials.set(S3ProxyServer.IDENTITY, wrong)) {
            for (Executable check : new Executable[] {
                    () -> Preflight.checkReadable("s3://preflight/images", options),
                    () -> Preflight.checkWritable("s3://preflight/out", options),
                    () -> Preflight.checkModelReadable("s3://preflight/models/m1", options)}) {
                String message = fails(check);
                assertTrue(message.contains("403") && message.contains("check AWS credentials"), message);
                assertFalse(message.contains(wrong), message);
            }
        }
    }

    @Test
    void s3ChecksFailFastOnAnUnreachableEndpoint() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        StorageOptions unreachable = options.withEndpoint("http://127.0.0.1:" + closedPort);
        assertEquals(8, unreachable.maxAttempts(), "the job's own setting; preflight caps it");
        try (var creds = server.installDefaultCredentials()) {
            long start = System.nanoTime();
            String message = fails(() -> Preflight.checkReadable("s3://preflight/images", unreachable));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(message.startsWith("Cannot reach S3 endpoint http://127.0.0.1:" + closedPort), message);
            assertTrue(message.contains(Preflight.MAX_ATTEMPTS + " attempts"), message);
            assertTrue(ms < S3StorageErrorsTest.UNREACHABLE_BOUND_MS, "took " + ms + " ms");
        }
    }

    @Test
    void localChecksPassAndLeaveNoTrace() throws IOException {
        Path input = Files.createDirectories(tmp.resolve("in/Apple"));
        Files.write(input.resolve("1.jpg"), new byte[] {1});
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.write(model.resolve("saved_model.pb"), new byte[] {2});
        Path output = tmp.resolve("out/run1");

        Preflight.checkReadable(tmp.resolve("in").toString(), options);
        Preflight.checkModelReadable("file://" + model, options);
        Preflight.checkWritable(output.toString(), options);
        assertFalse(Files.exists(tmp.resolve("out")), "directories made for the check are removed");

        Files.createDirectories(output);
        Preflight.checkWritable(output.toString(), options);
        assertTrue(Files.isDirectory(output), "an existing output directory stays");
        try (var files = Files.list(output)) {
            assertEquals(0, files.count(), "no marker left");
        }
    }

    @Test
    void localChecksNameWhatIsWrong() throws IOException {
        Path file = Files.write(tmp.resolve("a-file"), new byte[] {1});
        assertTrue(fails(() -> Preflight.checkReadable(tmp.resolve("nope").toString(), options))
                .endsWith("does not exist: check --input"));
        assertTrue(fails(() -> Preflight.checkReadable(file.toString(), options)).contains("is a file"));
        assertTrue(fails(() -> Preflight.checkWritable(file.toString(), options)).contains("is a file"));
        assertTrue(fails(() -> Preflight.checkWritable(file.resolve("out").toString(), options))
                .contains("is not writable"));
        assertTrue(fails(() -> Preflight.checkModelReadable(tmp.resolve("nomodel").toString(), options))
                .endsWith("does not exist: check --model"));
        assertTrue(fails(() -> Preflight.checkModelReadable(tmp.toString(), options)).contains("has no saved_model.pb"));
    }
}
