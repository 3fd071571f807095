package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import dev.orchard.testing.FlakyProxy;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code orchard run} from {@code s3://} to {@code s3://} on a real S3 server (S3Proxy over HTTP with SigV4 on
 * 127.0.0.1), through the same code paths as AWS (the lean GET and listing, the SDK client for writes): more
 * than 1,000 keys (several list pages), awkward names, reconciliation, and output equal to the same run on local
 * files.
 */
class S3RunTest {

    /** Same images, different batch composition: float32 sums may differ in the last bits. */
    private static final double SAME_IMAGE = 1e-4;
    private static final int COPIES = 3;

    @TempDir
    static Path tmp;

    static S3ProxyServer s3;
    static AutoCloseable credentials;
    static Path local;
    static int images;

    @BeforeAll
    static void upload() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket("fruits");
        credentials = s3.installDefaultCredentials();
        local = tmp.resolve("Training");
        Path samples = Path.of(Samples.images());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(samples)) {
            files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        Storage storage = Storages.forUri("s3://fruits/x", s3.options());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Path f : files) {
                String cls = samples.relativize(f).getParent().toString();
                String name = f.getFileName().toString().replace(".jpg", "");
                for (int c = 0; c < COPIES; c++) {
                    String rel = cls + "/" + name + " copy+" + c + " 100% #é.jpg";
                    Path dst = local.resolve(rel);
                    Files.createDirectories(dst.getParent());
                    Files.copy(f, dst);
                    done.add(pool.submit(() -> {
                        storage.upload(dst, "s3://fruits/Training/" + rel);
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        images = files.size() * COPIES;
        assertTrue(images > 1000, "enough keys for several ListObjectsV2 pages");
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

    @Test
    void s3RunEqualsLocalRun() throws IOException {
        String out = "s3://fruits/runs/first";
        assertEquals(0, Main.execute("run", "--input", "s3://fruits/Training", "--output", out,
                "--s3-endpoint", s3.endpoint(), "--k", "5", "--format", "both", "--master", "local[2]"));
        Path localOut = tmp.resolve("local-out");
        assertEquals(0, Main.execute("run", "--input", local.toString(), "--output", localOut.toString(),
                "--k", "5", "--format", "parquet", "--master", "local[2]"));

        StorageOptions opts = s3.options();
        Manifest manifest = Manifest.read(out, opts);
        assertEquals(images, manifest.counts().listed());
        assertEquals(manifest.counts().listed(), manifest.counts().featurized() + manifest.counts().failed());
        assertEquals(0, manifest.counts().failed());

        Map<String, FeatureRecord> fromS3 = byKey(Sink.readFeatureFolder(out + "/features", opts),
                "s3://fruits/Training/");
        Map<String, FeatureRecord> fromLocal = byKey(Sink.readFeatureFolder(localOut.resolve("features").toString(),
                StorageOptions.defaults()), "file://" + local.toAbsolutePath().normalize() + "/");
        assertEquals(fromLocal.keySet(), fromS3.keySet(), "image ids round-trip exactly");
        for (Map.Entry<String, FeatureRecord> e : fromLocal.entrySet()) {
            FeatureRecord s = fromS3.get(e.getKey());
            assertEquals(e.getValue().label(), s.label());
            assertEquals(e.getValue().labelIndex(), s.labelIndex());
            float[] a = e.getValue().features();
            float[] b = s.features();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], SAME_IMAGE * Math.max(1, Math.abs(a[i])), e.getKey() + " [" + i + "]");
            }
        }
        assertEquals(images, Sink.readFeatureFolder(out + "/features", opts).size(), "each image exactly once");
        assertTrue(Storages.forUri(out, opts).exists(out + "/pca-model.json"));
    }

    @Test
    void wrongSecretFailsInPreflightWithOneClearLine() throws Exception {
        String out = "s3://fruits/runs/denied";
        String good = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        RunCommandTest.Captured c;
        try {
            c = RunCommandTest.capture(() -> Main.execute("run", "--input", "s3://fruits/Training", "--output", out,
                    "--s3-endpoint", s3.endpoint(), "--master", "local[2]"));
        } finally {
            System.setProperty("aws.secretAccessKey", good);
        }
        assertEquals(Main.EXIT_FAILED, c.code());
        String line = c.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("403") || line.toLowerCase().contains("credentials"), line);
        assertFalse(line.contains("not-the-secret"), "the secret never appears: " + line);
        assertFalse(line.contains(good), "the secret never appears: " + line);
        assertFalse(OutputCommitter.isCommitted(out, s3.options()));
    }

    @Test
    void nonEuRegionIsRefusedUnlessAllowed() {
        RunCommandTest.Captured c = RunCommandTest.capture(() -> Main.execute("run", "--input", "s3://fruits/Training",
                "--output", "s3://fruits/runs/us", "--s3-endpoint", s3.endpoint(), "--region", "us-east-1"));
        assertEquals(Main.EXIT_FAILED, c.code());
        assertTrue(c.err().contains("--allow-non-eu-region"), c.err());
    }

    /**
     * Transient 500/503s and connections dropped mid-request during listing, fetching and writing are retried;
     * a part upload that keeps failing fails its task, and Spark's retry of the task leaves one copy.
     */
    @Test
    void flakyServerLosesAndDuplicatesNothing() throws Exception {
        String input = "s3://fruits/Training/Banana";
        String clean = "s3://fruits/runs/clean";
        assertEquals(0, Main.execute("featurize", "--input", input, "--output", clean, "--s3-endpoint", s3.endpoint(),
                "--master", "local[2]", "--max-partition-size", "24"));
        try (FlakyProxy proxy = new FlakyProxy(port(s3.endpoint()), 0.15, 42)
                .failFirst(line -> line.startsWith("PUT ") && line.contains("features/part-00001.parquet"), 10)) {
            String out = "s3://fruits/runs/flaky";
            assertEquals(0, Main.execute("featurize", "--input", input, "--output", out, "--s3-endpoint",
                    proxy.endpoint(), "--master", "local[2,4]", "--max-partition-size", "24"));
            assertTrue(proxy.injected(FlakyProxy.Fault.DROP_MID_BODY) >= 10, "uploads were cut: " + proxy.injectedTotal());
            assertTrue(proxy.injected(FlakyProxy.Fault.SLOW_DOWN_503) > 0);
            assertTrue(proxy.injected(FlakyProxy.Fault.INTERNAL_500) > 0);

            StorageOptions opts = s3.options();
            Manifest m = Manifest.read(out, opts);
            assertEquals(Manifest.read(clean, opts).counts(), m.counts());
            assertEquals(0, m.counts().failed(), "no image lost to a transient fault");
            List<FeatureRecord> flaky = Sink.readFeatureFolder(out + "/features", opts);
            assertEquals(m.counts().featurized(), flaky.size(), "each image exactly once");
            Map<String, FeatureRecord> cleanRows = byKey(Sink.readFeatureFolder(clean + "/features", opts), "");
            for (FeatureRecord r : flaky) {
                float[] a = cleanRows.get(r.imageId()).features();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], r.features()[i], SAME_IMAGE * Math.max(1, Math.abs(a[i])), r.imageId());
                }
            }
            List<String> parts = Storages.forUri(out, opts).list(out + "/features").stream()
                    .map(o -> o.uri().substring(out.length() + 1)).sorted().toList();
            assertEquals(m.filesIn("features").stream().map(f -> f.path()).sorted().toList(), parts,
                    "no stray part file beside what _SUCCESS lists");
        }
    }

    @Test
    void noCredentialInAnythingARunWrites() throws Exception {
        String out = "s3://fruits/runs/secrets";
        RunCommandTest.Captured c = RunCommandTest.capture(() -> Main.execute("run", "--input",
                "s3://fruits/Training/Kiwi", "--output", out, "--s3-endpoint", s3.endpoint(), "--master", "local[2]",
                "--verbose"));
        assertEquals(0, c.code(), c.err());
        Storage storage = Storages.forUri(out, s3.options());
        List<String> texts = new ArrayList<>(List.of(c.out(), c.err()));
        for (var o : storage.list(out)) {
            texts.add(new String(storage.readAllBytes(o.uri()), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        assertTrue(texts.size() > 5);
        for (String t : texts) {
            assertFalse(t.contains(s3.secret()), "secret leaked");
            assertFalse(t.contains(S3ProxyServer.IDENTITY), "access key id leaked");
        }
    }

    private static int port(String endpoint) {
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1).replace("/", ""));
    }

    private static Map<String, FeatureRecord> byKey(List<FeatureRecord> rows, String root) {
        return rows.stream().collect(Collectors.toMap(r -> {
            assertTrue(r.imageId().startsWith(root), r.imageId());
            return r.imageId().substring(root.length());
        }, Function.identity()));
    }
}
