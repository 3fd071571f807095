package dev.orchard.bench.s3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * S3Proxy ({@code org.gaul:s3proxy:3.0.0}, filesystem store) as a <b>separate process</b>, so its CPU
 * is never counted in Orchard's: plain HTTP on one port of 127.0.0.1 and, with a keystore, HTTPS on
 * another. The keystore is a self-signed certificate made with {@code keytool} at start; {@link
 * #trustStore()} holds just that certificate, for the benchmark's clients only (Java's TLS), and
 * {@link #certificate()} is it as PEM (the AWS CRT's TLS, through {@code SSL_CERT_FILE}).
 */
final class S3ProxyProcess implements AutoCloseable {

    static final String IDENTITY = "orchard-bench-identity";
    private static final String STORE_PASSWORD = "orchard-bench";

    private final Process process;
    private final Path home;
    final String httpEndpoint;
    final String httpsEndpoint;
    final String secret;
    private final Path trustStore;

    private S3ProxyProcess(Process process, Path home, String http, String https, String secret, Path trustStore) {
        this.process = process;
        this.home = home;
        this.httpEndpoint = http;
        this.httpsEndpoint = https;
        this.secret = secret;
        this.trustStore = trustStore;
    }

    /** Starts S3Proxy from {@code jar} (the jar-with-dependencies) with HTTP and, if {@code tls}, HTTPS. */
    static S3ProxyProcess start(Path jar, boolean tls) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("S3Proxy jar not found at " + jar + ": build core first ("
                    + "./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests) or pass --s3proxy-jar");
        }
        Path home = Files.createTempDirectory("orchard-bench-s3proxy-");
        Path data = Files.createDirectories(home.resolve("data"));
        String secret = "secret-" + UUID.randomUUID();
        int httpPort = freePort();
        int httpsPort = freePort();
        String http = "http://127.0.0.1:" + httpPort;
        String https = "https://127.0.0.1:" + httpsPort;
        List<String> props = new ArrayList<>(List.of(
                "s3proxy.endpoint=" + http,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + secret,
                "jclouds.provider=filesystem-nio2",
                "jclouds.identity=unused",
                "jclouds.credential=unused",
                "jclouds.filesystem.basedir=" + data));
        Path trust = null;
        if (tls) {
            Path keystore = home.resolve("keystore.jks");
            trust = home.resolve("truststore.jks");
            Path cert = home.resolve("cert.pem");
            String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
            run(keytool, "-genkeypair", "-alias", "s3proxy", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                    "-keystore", keystore.toString(), "-storetype", "JKS",
                    "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
            run(keytool, "-exportcert", "-rfc", "-alias", "s3proxy", "-keystore", keystore.toString(),
                    "-storepass", STORE_PASSWORD, "-file", cert.toString());
            run(keytool, "-importcert", "-noprompt", "-alias", "s3proxy", "-file", cert.toString(),
                    "-keystore", trust.toString(), "-storetype", "JKS", "-storepass", STORE_PASSWORD);
            props.add("s3proxy.secure-endpoint=" + https);
            props.add("s3proxy.keystore-path=" + keystore);
            props.add("s3proxy.keystore-password=" + STORE_PASSWORD);
        }
        Path propsFile = home.resolve("s3proxy.properties");
        Files.writeString(propsFile, String.join("\n", props) + "\n", StandardCharsets.UTF_8);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(),
                "--properties", propsFile.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("s3proxy.log").toFile());
        pb.environment().put("LOG_LEVEL", "warn");
        pb.environment().put("JETTY_LOG_LEVEL", "warn");
        S3ProxyProcess s = new S3ProxyProcess(pb.start(), home, http, tls ? https : null, secret, trust);
        Runtime.getRuntime().addShutdownHook(new Thread(s::close, "s3proxy-stop"));
        s.awaitPort(httpPort);
        if (tls) {
            s.awaitPort(httpsPort);
        }
        return s;
    }

    private void awaitPort(int port) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited; see " + home.resolve("s3proxy.log"));
            }
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("S3Proxy did not listen on " + port + "; see " + home.resolve("s3proxy.log"));
    }

    /** The server's certificate (PEM), for the AWS CRT's TLS: {@code SSL_CERT_FILE} of a child JVM. */
    Path certificate() {
        return trustStore == null ? null : home.resolve("cert.pem");
    }

    /** JKS trust store (password {@link #trustStorePassword()}) with only the server's certificate. */
    Path trustStore() {
        return trustStore;
    }

    static String trustStorePassword() {
        return STORE_PASSWORD;
    }

    /** Process id of the server, to read its CPU time apart. */
    long pid() {
        return process.pid();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public synchronized void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            dev.orchard.bench.pipeline.BenchSupport.deleteRecursively(home);
        } catch (UncheckedIOException ignored) {
            // best effort
        }
    }
}
