package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.S3ProxyServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** What a user sees when S3 refuses or cannot be reached: one clear line, never a secret. */
class S3StorageErrorsTest {

    static final String BUCKET = "errors";
    /** Connection refused on loopback is immediate; the bound covers 3 attempts and a loaded machine. */
    static final long UNREACHABLE_BOUND_MS = 10_000;

    private static S3ProxyServer server;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.shared();
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void cleanUp() {
        try (S3Storage s3 = storage(server.options(), server.secret())) {
            s3.deleteRecursively("s3://" + BUCKET);
        }
    }

    static S3Storage storage(StorageOptions options, String secret) {
        return new S3Storage(options, StaticCredentialsProvider.create(AwsBasicCredentials.create(
                S3ProxyServer.IDENTITY, secret)), S3Storage.DEFAULT_MULTIPART_THRESHOLD, S3Storage.DEFAULT_PART_SIZE);
    }

    static String trace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    static StorageException refusal(Executable call) {
        return assertThrows(StorageException.class, call);
    }

    @Test
    void wrongSecretIsA403NamingCredentialsButNeverTheSecret() {
        String wrong = "wrong-" + UUID.randomUUID();
        String uri = "s3://" + BUCKET + "/in";
        try (S3Storage s3 = storage(server.options(), wrong)) {
            for (Executable call : List.<Executable>of(() -> s3.list(uri),
                    () -> s3.write(uri + "/x", new byte[1]),
                    () -> s3.readAllBytes(uri + "/x"))) {
                StorageException e = refusal(call);
                String message = e.getMessage();
                assertTrue(message.contains("403") && message.contains("credentials rejected")
                        && message.contains("check AWS credentials (default provider chain"), message);
                assertTrue(message.contains(uri), message);
                assertFalse(message.contains("\n"), "one line: " + message);
                String all = trace(e);
                assertFalse(all.contains(wrong), "the wrong secret leaked:\n" + all);
                assertFalse(all.contains(server.secret()), "the right secret leaked:\n" + all);
            }
        }
    }

    @Test
    void unknownAccessKeyIsA403Too() {
        try (S3Storage s3 = new S3Storage(server.options(), StaticCredentialsProvider.create(
                AwsBasicCredentials.create("nobody", "whatever-secret")), S3Storage.DEFAULT_MULTIPART_THRESHOLD,
                S3Storage.DEFAULT_PART_SIZE)) {
            StorageException e = refusal(() -> s3.list("s3://" + BUCKET + "/in"));
            assertTrue(e.getMessage().contains("403") && e.getMessage().contains("credentials"), e.getMessage());
            assertFalse(trace(e).contains("whatever-secret"));
        }
    }

    @Test
    void missingBucketIsNamedWithItsRegion() {
        try (S3Storage s3 = storage(server.options(), server.secret())) {
            for (Executable call : List.<Executable>of(() -> s3.list("s3://no-such-bucket/in"),
                    () -> s3.write("s3://no-such-bucket/out/x", new byte[1]),
                    () -> s3.isEmptyPrefix("s3://no-such-bucket/out"))) {
                StorageException e = refusal(call);
                assertTrue(e.getMessage().startsWith("S3 bucket 'no-such-bucket' does not exist in region eu-west-3"),
                        e.getMessage());
            }
        }
    }

    @Test
    void unreachableEndpointFailsFastWithOneLine() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String endpoint = "http://127.0.0.1:" + closedPort;
        StorageOptions options = server.options().withEndpoint(endpoint).withMaxAttempts(3);
        try (S3Storage s3 = storage(options, server.secret())) {
            long start = System.nanoTime();
            StorageException e = refusal(() -> s3.list("s3://" + BUCKET + "/in"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < UNREACHABLE_BOUND_MS, "took " + ms + " ms");
            assertTrue(e.getMessage().startsWith("Cannot reach S3 endpoint " + endpoint + " to list s3://"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("check --s3-endpoint / network"), e.getMessage());
            assertTrue(e.getMessage().contains("3 attempts"), e.getMessage());
        }
    }

    @Test
    void malformedEndpointIsRefusedUpFront() {
        StorageException e = refusal(() -> new S3Storage(server.options().withEndpoint("localhost:9000")).close());
        assertTrue(e.getMessage().contains("Invalid S3 endpoint 'localhost:9000'"), e.getMessage());
    }

    /**
     * S3Proxy does not implement server-side encryption (it answers 501), so this checks what
     * Orchard controls: the headers it sends, and the line a user sees when a server refuses them.
     */
    @Test
    void serverSideEncryptionHeadersAreSentOnPutAndMultipartUpload() throws Exception {
        List<Map<String, List<String>>> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        // the operation of each attempt: the SDK may resend one transparently when the server closed the pooled
        // connection after its 501 (S3Proxy does, now and then), and every attempt must carry the headers
        java.util.Set<String> operations = new java.util.concurrent.ConcurrentSkipListSet<>();
        ExecutionInterceptor capture = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent.add(context.httpRequest().headers());
                operations.add(context.request().getClass().getSimpleName());
            }
        };
        String uri = "s3://" + BUCKET + "/sse/x";
        StorageOptions kms = server.options().withSse("kms", "arn:aws:kms:eu-west-3:111122223333:key/test");
        Path file = Files.write(Files.createTempFile("sse", ".bin"), new byte[S3Storage.MIN_PART_SIZE + 1]);
        try (S3Storage s3 = new S3Storage(kms, server.credentials(), S3Storage.MIN_PART_SIZE, S3Storage.MIN_PART_SIZE,
                List.of(capture))) {
            StorageException put = refusal(() -> s3.write(uri, new byte[1]));
            StorageException multipart = refusal(() -> s3.upload(file, uri));
            for (StorageException e : List.of(put, multipart)) {
                assertTrue(e.getMessage().contains("HTTP 501 NotImplemented")
                        && e.getMessage().endsWith("(server-side encryption is set: try without --sse)"), e.getMessage());
            }
        } finally {
            Files.delete(file);
        }
        assertEquals(java.util.Set.of("CreateMultipartUploadRequest", "PutObjectRequest"), operations);
        assertTrue(sent.size() >= 2, "attempts: " + sent.size());
        for (Map<String, List<String>> headers : sent) {
            assertEquals(List.of("aws:kms"), headers.get("x-amz-server-side-encryption"));
            assertEquals(List.of("arn:aws:kms:eu-west-3:111122223333:key/test"),
                    headers.get("x-amz-server-side-encryption-aws-kms-key-id"));
        }
        sent.clear();
        try (S3Storage s3 = new S3Storage(server.options().withSse("AES256", null), server.credentials(),
                S3Storage.DEFAULT_MULTIPART_THRESHOLD, S3Storage.DEFAULT_PART_SIZE, List.of(capture))) {
            refusal(() -> s3.write(uri, new byte[1]));
        }
        assertEquals(List.of("AES256"), sent.get(0).get("x-amz-server-side-encryption"));
    }

    @Test
    void sseOptionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> StorageOptions.defaults().withSse("des", null));
        assertThrows(IllegalArgumentException.class, () -> StorageOptions.defaults().withSse("aes256", "key"));
        assertEquals("aes256", StorageOptions.defaults().withSse("AES256", null).sse());
    }
}
