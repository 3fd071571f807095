package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Verifies the retry configuration against failures S3Proxy cannot produce on demand: a tiny
 * loopback HTTP server answers each request from a script (503 SlowDown, 500 InternalError, a
 * dropped connection, 403, then success) and counts the attempts that reach it.
 */
class S3RetryTest {

    enum Answer { SLOW_DOWN, INTERNAL_ERROR, DROP_CONNECTION, FORBIDDEN, OK }

    private HttpServer http;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile List<Answer> script = List.of();

    @BeforeEach
    void start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", this::answer);
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
        int n = seen.size() - 1;
        Answer a = n < script.size() ? script.get(n) : script.get(script.size() - 1);
        switch (a) {
            case SLOW_DOWN -> error(exchange, 503, "SlowDown", "Please reduce your request rate.");
            case INTERNAL_ERROR -> error(exchange, 500, "InternalError", "We encountered an internal error.");
            case FORBIDDEN -> error(exchange, 403, "AccessDenied", "Access Denied");
            case DROP_CONNECTION -> exchange.close(); // no status line at all: an I/O error for the client
            case OK -> {
                exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            }
        }
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                + message + "</Message><RequestId>test</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private S3Storage storage(int maxAttempts) {
        StorageOptions options = StorageOptions.defaults()
                .withEndpoint("http://127.0.0.1:" + http.getAddress().getPort())
                .withMaxAttempts(maxAttempts);
        return new S3Storage(options, StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")),
                S3Storage.DEFAULT_MULTIPART_THRESHOLD, S3Storage.DEFAULT_PART_SIZE);
    }

    private void writeSucceedsAfter(List<Answer> answers, int maxAttempts) {
        script = answers;
        try (S3Storage s3 = storage(maxAttempts)) {
            s3.write("s3://bucket/key", new byte[] {1, 2, 3});
        }
        assertEquals(answers.size(), seen.size(), "attempts: " + seen);
        assertEquals("PUT /bucket/key", seen.get(seen.size() - 1));
    }

    @Test
    void throttlingIsRetried() {
        writeSucceedsAfter(List.of(Answer.SLOW_DOWN, Answer.SLOW_DOWN, Answer.OK), 3);
    }

    @Test
    void serverErrorsAreRetried() {
        writeSucceedsAfter(List.of(Answer.INTERNAL_ERROR, Answer.INTERNAL_ERROR, Answer.OK), 3);
    }

    @Test
    void droppedConnectionsAreRetried() {
        writeSucceedsAfter(List.of(Answer.DROP_CONNECTION, Answer.OK), 3);
    }

    @Test
    void givesUpAfterMaxAttemptsWithAClearLine() {
        script = List.of(Answer.SLOW_DOWN);
        try (S3Storage s3 = storage(2)) {
            StorageException e = assertThrows(StorageException.class, () -> s3.write("s3://bucket/key", new byte[1]));
            assertEquals(2, seen.size());
            assertTrue(e.getMessage().startsWith("Cannot write s3://bucket/key: HTTP 503 SlowDown")
                    && e.getMessage().endsWith("after 2 attempts: retry later"), e.getMessage());
        }
    }

    @Test
    void accessDeniedIsNotRetried() {
        script = List.of(Answer.FORBIDDEN, Answer.OK);
        try (S3Storage s3 = storage(5)) {
            StorageException e = assertThrows(StorageException.class, () -> s3.write("s3://bucket/key", new byte[1]));
            assertEquals(1, seen.size());
            assertTrue(e.getMessage().contains("access denied (HTTP 403 AccessDenied)"), e.getMessage());
        }
    }
}
