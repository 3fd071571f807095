package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.Sink;
import dev.orchard.StorageOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of file a real bucket holds, through the CLI: nothing lost (listed == featurized + failed), each
 * bad file in errors with its specific reason, each good file featurized exactly as in a clean run.
 */
class HostileInputTest {

    /** Same bytes, same model: only batch composition differs, so float32 sums may differ in the last bits. */
    private static final double SAME_IMAGE = 1e-4;
    /** A re-encoded, rotated or colour-converted variant is nearer than this fraction of another fruit's distance. */
    private static final double NEAR = 0.5;

    @TempDir
    Path tmp;

    @Test
    void everyFileIsAccountedForWithASpecificReason() throws Exception {
        Path in = tmp.resolve("in");
        HostileCorpus corpus = new HostileCorpus(in).generate();
        Path clean = tmp.resolve("clean");
        for (String rel : corpus.good.keySet()) {
            Files.createDirectories(clean.resolve(rel).getParent());
            Files.copy(in.resolve(rel), clean.resolve(rel));
        }

        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("featurize", "--input", in.toString(), "--output", out.toString(),
                "--format", "csv", "--master", "local[2]", "--batch-size", "4", "--max-pixels", "10000000"));
        Path cleanOut = tmp.resolve("clean-out");
        assertEquals(0, Main.execute("featurize", "--input", clean.toString(), "--output", cleanOut.toString(),
                "--format", "parquet", "--master", "local[2]", "--batch-size", "7"));

        Manifest manifest = Manifest.read(out.toString(), StorageOptions.defaults());
        int total = corpus.good.size() + corpus.bad.size();
        assertEquals(total, manifest.counts().listed());
        assertEquals(corpus.bad.size(), manifest.counts().failed());
        assertEquals(corpus.good.size(), manifest.counts().featurized());

        String root = "file://" + in.toAbsolutePath().normalize() + "/";
        Map<String, ErrorRecord> errors = Sink.readErrorFolder(out.resolve("errors").toString(),
                StorageOptions.defaults()).stream().collect(Collectors.toMap(ErrorRecord::imageId, Function.identity()));
        corpus.bad.forEach((rel, reason) -> {
            ErrorRecord e = errors.get(root + rel);
            assertNotNull(e, rel + " is in errors; errors were " + errors.keySet());
            assertTrue(e.reason().startsWith(reason), rel + ": expected '" + reason + "…' but was '" + e.reason() + "'");
        });

        Map<String, FeatureRecord> features = byRelative(Sink.readFeatureFolder(out.resolve("features").toString(),
                StorageOptions.defaults()), root);
        String cleanRoot = "file://" + clean.toAbsolutePath().normalize() + "/";
        Map<String, FeatureRecord> cleanFeatures = byRelative(Sink.readFeatureFolder(
                cleanOut.resolve("features").toString(), StorageOptions.defaults()), cleanRoot);
        assertEquals(corpus.good.keySet(), features.keySet(), "image ids round-trip exactly, awkward names included");
        for (String rel : corpus.good.keySet()) {
            assertClose(cleanFeatures.get(rel).features(), features.get(rel).features(), rel + " vs clean run");
            String twin = corpus.good.get(rel);
            if (twin != null) {
                assertClose(features.get(twin).features(), features.get(rel).features(), rel + " vs " + twin);
            }
        }
        // Variants of the red fruit stay much nearer to it than a green fruit of the same shape is.
        float[] plain = features.get("Apple/plain.jpg").features();
        double otherFruit = distance(plain, features.get("Pear/green.jpg").features());
        for (String variant : new String[] {"Apple/exif-rotated.jpg", "Apple/cmyk.jpg", "Apple/large.jpg",
                "Apple/rgba.png"}) {
            double d = distance(plain, features.get(variant).features());
            assertTrue(d < NEAR * otherFruit, variant + " is " + d + " from the plain image, the green fruit "
                    + otherFruit);
        }
    }

    private static Map<String, FeatureRecord> byRelative(java.util.List<FeatureRecord> rows, String root) {
        return rows.stream().collect(Collectors.toMap(r -> {
            assertTrue(r.imageId().startsWith(root), r.imageId());
            return r.imageId().substring(root.length());
        }, Function.identity()));
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], SAME_IMAGE * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }

    private static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - (double) b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
