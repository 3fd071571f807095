package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * {@link S3Get}, the images' read path, against what S3Proxy cannot be made to do: a loopback HTTP/1.1 server
 * answers each request from a script, byte for byte (keep-alive, a connection the server closes silently,
 * chunked and close-delimited bodies, a body cut short, S3 errors, throttling, a checksum that does not match,
 * a skewed clock) and records every request head and connection. Reads go through {@link S3Storage} so the error
 * lines are the ones users see. SigV4 itself is checked by {@code SigV4Test} and, end to end, by S3Proxy in
 * {@code S3StorageTest}.
 */
class S3GetTest {

    /** A reply: raw response bytes, then whether the server closes the connection (null bytes: close at once). */
    record Reply(byte[] bytes, boolean close) {
        static Reply ok(String body, String... headers) {
            return raw("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n" + String.join("", headers)
                    + "\r\n" + body, false);
        }

        static Reply error(int status, String code) {
            String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                    + code + " &amp; more</Message><RequestId>req-1</RequestId></Error>";
            return raw("HTTP/1.1 " + status + " Whatever\r\nContent-Type: application/xml\r\nContent-Length: "
                    + xml.length() + "\r\n\r\n" + xml, false);
        }

        static Reply raw(String http, boolean close) {
            return new Reply(http.getBytes(StandardCharsets.ISO_8859_1), close);
        }

        static Reply drop() {
            return new Reply(null, true);
        }
    }

    private ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile IntFunction<Reply> script = n -> Reply.ok("x");

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                connections.incrementAndGet();
                pool.submit(() -> serve(s));
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        pool.shutdownNow();
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                int n = requests.size();
                requests.add(head);
                Reply reply = script.apply(n);
                if (reply.bytes == null) {
                    return;
                }
                out.write(reply.bytes);
                out.flush();
                if (reply.close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private S3Storage storage(int maxAttempts) {
        StorageOptions options = StorageOptions.defaults()
                .withEndpoint("http://127.0.0.1:" + server.getLocalPort())
                .withMaxAttempts(maxAttempts);
        S3Storage s3 = new S3Storage(options, StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")),
                S3Storage.DEFAULT_MULTIPART_THRESHOLD, S3Storage.DEFAULT_PART_SIZE);
        assertTrue(s3.leanReads(), "reads take S3Get by default");
        return s3;
    }

    private static String read(S3Storage s3, String key) throws IOException {
        return new String(s3.readAllBytes("s3://bucket/" + key), StandardCharsets.ISO_8859_1);
    }

    @Test
    void oneKeptAliveConnectionServesSignedPathStyleGets() throws IOException {
        script = n -> Reply.ok("body" + n);
        try (S3Storage s3 = storage(1)) {
            for (int i = 0; i < 5; i++) {
                assertEquals("body" + i, read(s3, "dir/a b+c.jpg"));
            }
        }
        assertEquals(1, connections.get());
        assertEquals(5, requests.size());
        String first = requests.get(0);
        assertTrue(first.startsWith("GET /bucket/dir/a%20b%2Bc.jpg HTTP/1.1\r\n"), first);
        assertTrue(first.contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n"), first);
        assertTrue(first.contains("\r\nAuthorization: AWS4-HMAC-SHA256 Credential=id/"), first);
        assertTrue(first.contains("/eu-west-3/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                + "Signature="), first);
        assertFalse(first.contains("x-amz-checksum-mode"), "only asked of AWS: " + first);
    }

    @Test
    void aConnectionTheServerClosedMeanwhileIsReplacedWithoutSpendingAnAttempt() throws IOException {
        script = n -> new Reply(Reply.ok("fresh" + n).bytes, true); // answers, then closes without saying so
        try (S3Storage s3 = storage(1)) {
            for (int i = 0; i < 4; i++) {
                assertEquals("fresh" + i, read(s3, "k"));
                sleepQuietly(); // lets the server's close arrive, as an idle pooled connection's would
            }
        }
        assertEquals(4, requests.size());
        assertEquals(4, connections.get());
    }

    @Test
    void throttlingServerErrorsDropsAndShortBodiesAreRetried() throws IOException {
        List<Reply> replies = List.of(Reply.error(503, "SlowDown"), Reply.error(500, "InternalError"), Reply.drop(),
                Reply.raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it", true),
                Reply.error(400, "RequestTimeout"), Reply.ok("whole"));
        script = replies::get;
        try (S3Storage s3 = storage(replies.size())) {
            assertEquals("whole", read(s3, "k"));
        }
        assertEquals(replies.size(), requests.size());
    }

    @Test
    void givingUpAfterTheLastAttemptSaysSoInOneLine() {
        script = n -> Reply.error(503, "SlowDown");
        try (S3Storage s3 = storage(2)) {
            StorageException e = assertThrows(StorageException.class, () -> read(s3, "k"));
            assertEquals(2, requests.size());
            assertTrue(e.getMessage().startsWith("Cannot read s3://bucket/k: HTTP 503 SlowDown (SlowDown & more) from "
                    + "http://127.0.0.1:") && e.getMessage().endsWith("after 2 attempts: retry later"), e.getMessage());
        }
    }

    @Test
    void accessDeniedIsNotRetriedAndAMissingKeyIsNoSuchFile() {
        script = n -> Reply.error(403, "AccessDenied");
        try (S3Storage s3 = storage(5)) {
            StorageException e = assertThrows(StorageException.class, () -> read(s3, "k"));
            assertEquals(1, requests.size());
            assertTrue(e.getMessage().contains("access denied (HTTP 403 AccessDenied)"), e.getMessage());
            script = n -> Reply.error(404, "NoSuchKey");
            NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> read(s3, "gone.jpg"));
            assertEquals("s3://bucket/gone.jpg", missing.getFile());
            assertEquals(2, requests.size());
            script = n -> Reply.error(404, "NoSuchBucket");
            e = assertThrows(StorageException.class, () -> read(s3, "k"));
            assertTrue(e.getMessage().startsWith("S3 bucket 'bucket' does not exist"), e.getMessage());
        }
    }

    @Test
    void chunkedAndCloseDelimitedAndHeadOnlyFramingAreReadExactly() throws IOException {
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\n"
                + "Trailer: x\r\n\r\n";
        List<Reply> replies = List.of(Reply.raw(chunked, false),
                Reply.raw("HTTP/1.0 200 OK\r\n\r\nuntil the end", true),
                Reply.raw("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", true),
                Reply.raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", false));
        script = replies::get;
        try (S3Storage s3 = storage(1)) {
            assertEquals("hello, world", read(s3, "a"));
            assertEquals("until the end", read(s3, "b"));
            assertEquals("abc", read(s3, "c"));
            assertEquals("", read(s3, "d"));
        }
        assertEquals(3, connections.get(), "chunked kept alive; close-delimited and Connection: close not reused");
    }

    @Test
    void aBodyThatFailsItsChecksumIsRetriedThenRefused() throws IOException {
        String crc32 = Base64.getEncoder().encodeToString(BodyChecksums.checksum("x-amz-checksum-crc32",
                "good".getBytes(StandardCharsets.US_ASCII)));
        script = n -> n == 0 ? Reply.ok("bad!", "x-amz-checksum-crc32: " + crc32 + "\r\n")
                : Reply.ok("good", "x-amz-checksum-crc32: " + crc32 + "\r\n");
        try (S3Storage s3 = storage(2)) {
            assertEquals("good", read(s3, "k"));
            assertEquals(2, requests.size());
            script = n -> Reply.ok("bad!", "x-amz-checksum-crc32: " + crc32 + "\r\n");
            StorageException e = assertThrows(StorageException.class, () -> read(s3, "k"));
            assertTrue(e.getMessage().contains("body checksum mismatch: crc32 of the 4 bytes received is "), e.getMessage());
            assertEquals(4, requests.size());
        }
    }

    @Test
    void aSkewedClockIsCorrectedFromTheServersDate() throws IOException {
        ZonedDateTime serverNow = ZonedDateTime.now(ZoneOffset.UTC).plusHours(3);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(serverNow);
        String skewed = "<Error><Code>RequestTimeTooSkewed</Code><Message>too skewed</Message></Error>";
        script = n -> n == 0 ? Reply.raw("HTTP/1.1 403 Forbidden\r\nDate: " + date + "\r\nContent-Length: "
                + skewed.length() + "\r\n\r\n" + skewed, false) : Reply.ok("on time");
        try (S3Storage s3 = storage(2)) {
            assertEquals("on time", read(s3, "k"));
        }
        String second = requests.get(1);
        String sent = second.substring(second.indexOf("x-amz-date: ") + 12, second.indexOf("x-amz-date: ") + 28);
        String expectedHour = serverNow.format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HH"));
        String nextHour = serverNow.plusMinutes(1).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HH"));
        assertTrue(sent.startsWith(expectedHour) || sent.startsWith(nextHour), sent + " vs server " + date);
    }

    @Test
    void awsBucketsResolveByTheSdksEndpointRules() {
        StorageOptions aws = StorageOptions.defaults(); // eu-west-3, no endpoint override
        try (S3Get get = new S3Get(aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "s")),
                S3EndpointProvider.defaultProvider())) {
            assertEquals(new S3Get.Target(true, "fruits.s3.eu-west-3.amazonaws.com", 443,
                    "fruits.s3.eu-west-3.amazonaws.com", "", "eu-west-3"), get.target("fruits"));
            // a dotted bucket cannot be a virtual host under TLS: path-style, as the SDK does
            assertEquals(new S3Get.Target(true, "s3.eu-west-3.amazonaws.com", 443, "s3.eu-west-3.amazonaws.com",
                    "/my.fruits", "eu-west-3"), get.target("my.fruits"));
            // S3 Express directory buckets sign otherwise: the SDK client reads them
            assertNull(get.target("fruits--euw3-az1--x-s3"));
        }
    }

    @Test
    void theSdkPathStaysOneSystemPropertyAway() throws IOException {
        String before = System.getProperty(S3Get.PROPERTY);
        System.setProperty(S3Get.PROPERTY, "sdk");
        try {
            StorageOptions options = StorageOptions.defaults().withEndpoint("http://127.0.0.1:" + server.getLocalPort());
            try (S3Storage s3 = new S3Storage(options, StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("id", "secret")), S3Storage.DEFAULT_MULTIPART_THRESHOLD,
                    S3Storage.DEFAULT_PART_SIZE)) {
                assertFalse(s3.leanReads());
                script = n -> Reply.ok("via the sdk");
                assertEquals("via the sdk", read(s3, "k"));
                assertTrue(requests.get(0).contains("amz-sdk-invocation-id"), requests.get(0));
            }
            System.setProperty(S3Get.PROPERTY, "fast");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, S3Get::enabled);
            assertEquals("-Dorchard.s3.get must be 'lean' or 'sdk' but was 'fast'", e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(S3Get.PROPERTY);
            } else {
                System.setProperty(S3Get.PROPERTY, before);
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
