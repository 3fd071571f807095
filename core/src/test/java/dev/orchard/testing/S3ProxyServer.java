package dev.orchard.testing;

import dev.orchard.StorageOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: <a href="https://github.com/gaul/s3proxy">S3Proxy</a>
 * {@code org.gaul:s3proxy:3.0.0} with a {@code filesystem-nio2} store in a temporary directory,
 * listening on a free port of 127.0.0.1, with SigV4 (and V2) authentication for one test identity
 * and a random secret.
 *
 * <p>It runs as a <b>separate process</b> (in-process it clashes with Spark's jakarta/jackson
 * versions), started with the test JVM's own {@code java}, through {@link S3ProxyLauncher} which
 * halts the child when the test JVM goes away. The jar comes from Maven:
 * {@code core/pom.xml} copies {@code org.gaul:s3proxy:3.0.0:jar-with-dependencies} to
 * {@code core/target/s3proxy/s3proxy.jar} at {@code generate-test-resources} and passes its path in
 * the system property {@value #JAR_PROPERTY}; without it the fixture looks in the local Maven
 * repository. A missing jar fails the test loudly (CI has Maven Central), it never skips.
 *
 * <p>Typical use, one server per test class:
 * <pre>{@code
 * static S3ProxyServer s3;
 * @BeforeAll static void start() { s3 = S3ProxyServer.start(); s3.createBucket("images"); }
 * @AfterAll static void stop() { s3.close(); }
 *
 * // production code path: default credential chain + Storages
 * try (var creds = s3.installDefaultCredentials()) {
 *     Storage st = Storages.forUri("s3://images/x", s3.options());
 *     ...
 * }
 * // CLI: --s3-endpoint s3.endpoint() --region eu-west-3, credentials as above
 * }</pre>
 * Or {@link #shared()} for one server per test JVM, stopped when the JVM exits.
 *
 * <p>Not thread-safe to start/stop concurrently; the server itself serves any number of clients.
 * {@link #close()} stops the process (closes its stdin, then destroy, then destroyForcibly),
 * closes the {@link #client()}, and deletes the store; it is safe to call twice.
 */
public final class S3ProxyServer implements AutoCloseable {

    /** System property with the path of the S3Proxy jar-with-dependencies. */
    public static final String JAR_PROPERTY = "orchard.s3proxy.jar";
    /** The access key id every server accepts. */
    public static final String IDENTITY = "orchard-test-identity";
    static final String S3PROXY_VERSION = "3.0.0";
    private static final long START_TIMEOUT_MS = 60_000;

    private static S3ProxyServer shared;

    private final Process process;
    private final OutputStream stdin;
    private final Path home;
    private final Path log;
    private final String endpoint;
    private final String secret;
    private S3Client client;
    private boolean closed;

    private S3ProxyServer(Process process, Path home, Path log, String endpoint, String secret) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.home = home;
        this.log = log;
        this.endpoint = endpoint;
        this.secret = secret;
    }

    /** Starts a new server; the caller closes it. Fails (never skips) if the jar is missing. */
    public static S3ProxyServer start() {
        Path jar = locateJar();
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) { // a free port can be taken before S3Proxy binds it
            try {
                return startOnce(jar, freePort());
            } catch (IllegalStateException e) {
                last = e;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot find a free port on 127.0.0.1", e);
            }
        }
        throw last;
    }

    /** One server for the whole test JVM, started on first use and stopped at JVM exit. */
    public static synchronized S3ProxyServer shared() {
        if (shared == null || !shared.process.isAlive()) {
            S3ProxyServer s = start();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "s3proxy-stop"));
            shared = s;
        }
        return shared;
    }

    private static S3ProxyServer startOnce(Path jar, int port) {
        String secret = "secret-" + UUID.randomUUID();
        String endpoint = "http://127.0.0.1:" + port;
        Path home;
        try {
            home = Files.createTempDirectory("orchard-s3proxy-");
            Path data = Files.createDirectories(home.resolve("data"));
            Path props = home.resolve("s3proxy.properties");
            Files.writeString(props, String.join("\n",
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + IDENTITY,
                    "s3proxy.credential=" + secret,
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.identity=unused",
                    "jclouds.credential=unused",
                    "jclouds.filesystem.basedir=" + data) + "\n", StandardCharsets.UTF_8);
            Path log = home.resolve("s3proxy.log");
            String launcherPath = Paths.get(S3ProxyLauncher.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI()).toString();
            ProcessBuilder pb = new ProcessBuilder(List.of(javaCommand(), "-Xmx256m",
                    "-cp", jar + java.io.File.pathSeparator + launcherPath,
                    S3ProxyLauncher.class.getName(), "--properties", props.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("LOG_LEVEL", "warn");
            pb.environment().put("JETTY_LOG_LEVEL", "warn");
            Process process = pb.start();
            S3ProxyServer server = new S3ProxyServer(process, home, log, endpoint, secret);
            try {
                server.awaitReady();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start S3Proxy", e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with status " + process.exitValue()
                        + " before answering on " + endpoint + "; its log:\n" + logTail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2_000);
                int status = c.getResponseCode(); // anonymous request: 403 means it is up
                c.disconnect();
                if (status > 0) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for S3Proxy", e);
            }
        }
        throw new IllegalStateException("S3Proxy did not answer on " + endpoint + " within "
                + START_TIMEOUT_MS + " ms; its log:\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static Path locateJar() {
        String configured = System.getProperty(JAR_PROPERTY);
        Path jar;
        if (configured != null && !configured.isBlank()) {
            jar = Paths.get(configured);
        } else {
            String repo = System.getProperty("maven.repo.local",
                    Paths.get(System.getProperty("user.home"), ".m2", "repository").toString());
            jar = Paths.get(repo, "org", "gaul", "s3proxy", S3PROXY_VERSION,
                    "s3proxy-" + S3PROXY_VERSION + "-jar-with-dependencies.jar");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar + ": run the tests through Maven "
                    + "(core/pom.xml copies org.gaul:s3proxy:" + S3PROXY_VERSION + ":jar-with-dependencies to "
                    + "core/target/s3proxy at generate-test-resources) or set -D" + JAR_PROPERTY + "=PATH");
        }
        return jar;
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234}: the value for {@code --s3-endpoint}. */
    public String endpoint() {
        return endpoint;
    }

    /** The access key id the server accepts ({@value #IDENTITY}). */
    public String identity() {
        return IDENTITY;
    }

    /** The secret access key the server accepts: random per server. */
    public String secret() {
        return secret;
    }

    /** Static credentials for this server. */
    public AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, secret));
    }

    /** Default options pointed at this server: region eu-west-3, path-style, endpoint override. */
    public StorageOptions options() {
        return StorageOptions.defaults().withEndpoint(endpoint);
    }

    /**
     * Sets {@code aws.accessKeyId}/{@code aws.secretAccessKey} (first in the SDK's default chain,
     * so Storages, Preflight and Spark tasks in this JVM use them) until the returned handle is
     * closed, which restores the previous values.
     */
    public DefaultCredentials installDefaultCredentials() {
        return DefaultCredentials.set(IDENTITY, secret);
    }

    /** A raw SDK client for this server (for setup and assertions), closed with the server. */
    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .endpointOverride(URI.create(endpoint))
                    // us-east-1: the SDK sends no LocationConstraint, which S3Proxy's store rejects
                    .region(Region.US_EAST_1)
                    .forcePathStyle(true)
                    .credentialsProvider(credentials())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClientBuilder(ApacheHttpClient.builder())
                    .build();
        }
        return client;
    }

    /** Creates a bucket and returns its URI, {@code s3://name}. */
    public String createBucket(String name) {
        client().createBucket(b -> b.bucket(name));
        return "s3://" + name;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.close();
        }
        try {
            stdin.close(); // S3ProxyLauncher halts on end-of-file
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(home);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temp directory
        }
    }

    /** Handle for credentials installed as system properties; closing restores the old values. */
    public static final class DefaultCredentials implements AutoCloseable {
        private static final String ID = "aws.accessKeyId";
        private static final String SECRET = "aws.secretAccessKey";
        private final String oldId;
        private final String oldSecret;

        private DefaultCredentials(String oldId, String oldSecret) {
            this.oldId = oldId;
            this.oldSecret = oldSecret;
        }

        /** Installs any pair (e.g. a wrong secret, to test refusals). */
        public static DefaultCredentials set(String accessKeyId, String secretKey) {
            DefaultCredentials previous = new DefaultCredentials(System.getProperty(ID), System.getProperty(SECRET));
            System.setProperty(ID, accessKeyId);
            System.setProperty(SECRET, secretKey);
            return previous;
        }

        @Override
        public void close() {
            restore(ID, oldId);
            restore(SECRET, oldSecret);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        }
    }
}
