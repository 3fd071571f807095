package dev.orchard.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Where the cluster integration tests find their parts. {@code job/pom.xml} passes these to failsafe:
 * {@value #SPARK_HOME} ({@code job/target/spark-home}, a {@code SPARK_HOME} holding only {@code jars/},
 * assembled at {@code pre-integration-test}), {@value #JOB_JAR} ({@code job/target/orchard-job.jar}),
 * {@value #REPO_ROOT} and {@value #WORK}. A missing part fails the test loudly, it never skips.
 */
final class ItEnv {

    static final String SPARK_HOME = "orchard.it.spark.home";
    static final String JOB_JAR = "orchard.it.job.jar";
    static final String REPO_ROOT = "orchard.it.repo.root";
    static final String WORK = "orchard.it.work";
    static final ObjectMapper JSON = new ObjectMapper();

    private ItEnv() {}

    static Path sparkHome() {
        Path home = path(SPARK_HOME, "job/target/spark-home");
        Path jars = home.resolve("jars");
        if (!Files.isRegularFile(jars.resolve("spark-core_2.12-3.5.5.jar"))
                || !Files.isRegularFile(jars.resolve("spark-yarn_2.12-3.5.5.jar"))) {
            throw new IllegalStateException("No Spark 3.5.5 jars in " + jars + ": run the ITs through Maven "
                    + "(./mvnw verify; job/pom.xml copies them at pre-integration-test)");
        }
        try (var files = Files.list(jars)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("orchard") || n.startsWith("tensorflow") || n.startsWith("s3-2"))
                    .findAny()
                    .ifPresent(n -> {
                        throw new IllegalStateException(jars + " holds " + n + ": the cluster must get Orchard's "
                                + "dependencies from the application jar only (see the spark-home execution in job/pom.xml)");
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return home;
    }

    static Path jobJar() {
        Path jar = path(JOB_JAR, "job/target/orchard-job.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No application jar at " + jar + ": run ./mvnw package first");
        }
        return jar;
    }

    static Path repoRoot() {
        if (System.getProperty(REPO_ROOT) != null) {
            return path(REPO_ROOT, ".");
        }
        // Unit tests (surefire) run in job/: the checkout is the nearest folder above with docs/ and pom.xml.
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return path(REPO_ROOT, ".");
    }

    /** A fresh directory under {@value #WORK} (job/target/it-work), kept after the test for its logs. */
    static Path workDir(String name) {
        try {
            Path base = Files.createDirectories(path(WORK, "job/target/it-work"));
            return Files.createTempDirectory(base, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path path(String property, String fallback) {
        String v = System.getProperty(property);
        return Paths.get(v == null || v.isBlank() ? fallback : v).toAbsolutePath().normalize();
    }

    /** The java of this test JVM (a JDK 17): every child process runs on it. */
    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String javaHome() {
        return System.getProperty("java.home");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on 127.0.0.1", e);
        }
    }

    /** GET a JSON document, or null if nothing answers yet. */
    static JsonNode getJson(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(1_000);
            c.setReadTimeout(5_000);
            try (InputStream in = c.getInputStream()) {
                return JSON.readTree(in);
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return null;
        }
    }

    /** Polls until {@code probe} gives a non-null value; fails with {@code what} and the last state on timeout. */
    static <T> T await(String what, Duration timeout, Supplier<T> probe, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "\n" + diagnostics.get());
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
        }
    }
}
