package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.StorageOptions;
import dev.orchard.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Which HTTP client S3Storage runs on: the CRT's where it loads, Apache when asked or as the fallback. */
class S3HttpClientsTest {

    static final String BUCKET = "http-clients";
    private static S3ProxyServer server;

    @BeforeAll
    static void start() {
        server = S3ProxyServer.shared();
        server.createBucket(BUCKET);
    }

    /** Builds a storage with the property set to {@code value} (null: unset), restoring it after. */
    static <T> T withProperty(String value, Supplier<T> body) {
        String before = System.getProperty(S3HttpClients.PROPERTY);
        try {
            if (value == null) {
                System.clearProperty(S3HttpClients.PROPERTY);
            } else {
                System.setProperty(S3HttpClients.PROPERTY, value);
            }
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(S3HttpClients.PROPERTY);
            } else {
                System.setProperty(S3HttpClients.PROPERTY, before);
            }
        }
    }

    private static S3Storage storage(StorageOptions options, String secret) {
        return S3StorageErrorsTest.storage(options, secret);
    }

    private static void roundTrip(S3Storage s3, String key) throws Exception {
        byte[] body = ("bytes of " + key).getBytes(StandardCharsets.UTF_8);
        s3.write("s3://" + BUCKET + "/" + key, body);
        assertArrayEquals(body, s3.readAllBytes("s3://" + BUCKET + "/" + key));
    }

    @Test
    void defaultIsApacheAndAutoIsTheCrtClientOnThisPlatform() throws Exception {
        try (S3Storage s3 = withProperty(null, () -> storage(server.options(), server.secret()))) {
            assertEquals("Apache", s3.httpClientName(), s3.toString());
            roundTrip(s3, "default.bin");
        }
        try (S3Storage s3 = withProperty("auto", () -> storage(server.options(), server.secret()))) {
            assertEquals("AwsCommonRuntime", s3.httpClientName(), s3.toString());
            roundTrip(s3, "auto.bin");
        }
    }

    @Test
    void apacheWhenAsked() throws Exception {
        try (S3Storage s3 = withProperty("Apache", () -> storage(server.options(), server.secret()))) {
            assertEquals("Apache", s3.httpClientName());
            roundTrip(s3, "apache.bin");
        }
    }

    @Test
    void crtWhenAsked() throws Exception {
        try (S3Storage s3 = withProperty("crt", () -> storage(server.options(), server.secret()))) {
            assertEquals("AwsCommonRuntime", s3.httpClientName());
            roundTrip(s3, "crt.bin");
        }
    }

    @Test
    void anUnknownValueIsOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> withProperty("netty", () -> storage(server.options(), server.secret())));
        assertEquals("Invalid -Dorchard.s3.http-client=netty: use auto, crt or apache", e.getMessage());
    }

    /**
     * A server that ends its bodies by closing the connection (no Content-Length, no chunks): Apache reads the
     * listing; the CRT, which would read it as empty, fails with one line naming the way out.
     */
    @Test
    void anUnframedBodyIsReadByApacheAndRefusedOnTheCrt() throws Exception {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/"
                + "2006-03-01/\"><Name>b</Name><Prefix>in/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
                + "<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated><Contents><Key>in/a.jpg</Key>"
                + "<ETag>\"abc\"</ETag><Size>3</Size></Contents></ListBucketResult>";
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!raw.isClosed()) {
                    try (java.net.Socket c = raw.accept()) {
                        java.io.InputStream in = c.getInputStream();
                        int state = 0;
                        for (int b; state < 4 && (b = in.read()) >= 0; ) { // the request head (GETs have no body)
                            state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
                        }
                        c.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                                + "Connection: close\r\n\r\n" + xml).getBytes(StandardCharsets.UTF_8));
                    } catch (java.io.IOException closed) {
                        // the test is over, or the client went away
                    }
                }
            }, "unframed-server");
            t.setDaemon(true);
            t.start();
            StorageOptions options = StorageOptions.defaults().withEndpoint("http://127.0.0.1:" + raw.getLocalPort())
                    .withMaxAttempts(2);
            // the SDK client's listing (S3Get, the default, reads a close-delimited body as HTTP allows)
            String leanBefore = System.getProperty(S3Get.PROPERTY);
            System.setProperty(S3Get.PROPERTY, "sdk");
            try (S3Storage apache = withProperty("apache", () -> storage(options, "secret"))) {
                assertEquals(List.of("s3://b/in/a.jpg"), apache.list("s3://b/in").stream().map(StoredObject::uri).toList());
            }
            try (S3Storage crt = withProperty("crt", () -> storage(options, "secret"))) {
                dev.orchard.StorageException e = assertThrows(dev.orchard.StorageException.class, () -> crt.list("s3://b/in"));
                assertTrue(e.getMessage().startsWith("Cannot list s3://b/in at ")
                        && e.getMessage().contains("reads as empty: run with -Dorchard.s3.http-client=apache"), e.getMessage());
                assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            } finally {
                if (leanBefore == null) {
                    System.clearProperty(S3Get.PROPERTY);
                } else {
                    System.setProperty(S3Get.PROPERTY, leanBefore);
                }
            }
        }
    }

    /**
     * A JVM where the CRT's native library cannot load (here: {@code -Daws.crt.arch} names a platform the jar
     * has no library for, as on an unsupported host) still reads and writes S3, on Apache, and says so once;
     * with {@code crt} forced it fails with one line naming the way out.
     */
    @Test
    void fallsBackToApacheWhereTheNativeLibraryDoesNotLoad() throws Exception {
        String out = child("auto");
        assertTrue(out.contains("client=Apache client=Apache read=ok"), out);
        int warnings = out.split("AWS CRT HTTP client unavailable", -1).length - 1;
        assertEquals(1, warnings, out);

        String forced = child("crt");
        assertTrue(forced.contains("failed=The AWS CRT HTTP client cannot start on this JVM (")
                && forced.contains("): run with -Dorchard.s3.http-client=apache or auto"), forced);
    }

    private static String child(String kind) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Daws.crt.arch=no-such-arch", "-D" + S3HttpClients.PROPERTY + "=" + kind,
                "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                server.endpoint(), server.secret()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Two storages in one JVM (the fallback is said once), then a write and a read. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            StorageOptions options = StorageOptions.defaults().withEndpoint(args[0]);
            var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.IDENTITY, args[1]));
            try (S3Storage a = new S3Storage(options, creds, S3Storage.DEFAULT_MULTIPART_THRESHOLD,
                    S3Storage.DEFAULT_PART_SIZE);
                 S3Storage b = new S3Storage(options, creds, S3Storage.DEFAULT_MULTIPART_THRESHOLD,
                         S3Storage.DEFAULT_PART_SIZE)) {
                byte[] body = {1, 2, 3};
                b.write("s3://" + BUCKET + "/fallback.bin", body);
                boolean same = java.util.Arrays.equals(body, a.readAllBytes("s3://" + BUCKET + "/fallback.bin"));
                System.out.println("client=" + a.httpClientName() + " client=" + b.httpClientName()
                        + " read=" + (same ? "ok" : "wrong"));
            } catch (IllegalStateException e) {
                System.out.println("failed=" + e.getMessage());
            }
        }
    }
}
