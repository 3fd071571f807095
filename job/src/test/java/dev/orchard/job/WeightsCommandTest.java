package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Sink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make-model --weights} and {@code featurize --model <weights file>} with the committed Keras/TF.js
 * reference weights (data-samples/keras-reference): a good file gives a SavedModel and features; a bad one exits 1
 * with one line and writes nothing.
 */
class WeightsCommandTest {

    private static final Path FIXTURES = Path.of(System.getProperty("orchard.kerasReference",
            Path.of("..", "data-samples", "keras-reference", "fixtures").toString()));

    @TempDir
    Path tmp;
    private Path weights;

    /** The small MobileNetV2 (alpha 0.35, with a classifier head) in every format, gunzipped. */
    @BeforeEach
    void copyFixture() throws IOException {
        Path src = FIXTURES.resolve("mobilenet_v2_0.35");
        weights = tmp.resolve("weights");
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String rel = src.relativize(p).toString().replaceFirst("\\.gz$", "");
                Path q = weights.resolve(rel);
                Files.createDirectories(q.getParent());
                try (InputStream in = p.toString().endsWith(".gz")
                        ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p)) {
                    Files.copy(in, q);
                }
            }
        }
    }

    private static RunCommandTest.Captured cli(String... args) {
        return RunCommandTest.capture(() -> Main.execute(args));
    }

    @Test
    void makeModelImportsWeightsAndRecordsWhereTheyCameFrom() throws IOException {
        Path out = tmp.resolve("model");
        RunCommandTest.Captured c = cli("make-model", "--weights", weights.resolve("keras2.h5").toString(), "--image-size", "96",
                "--output", out.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("mobilenet_v2 alpha 0.35 at 96 px (1280 features) from keras2-h5 weights"), c.out());
        assertTrue(c.out().contains("Ignored layers not in the backbone: predictions"), c.out());
        JsonNode meta = new ObjectMapper().readTree(out.resolve("assets.extra/orchard.json").toFile());
        assertEquals("mobilenet_v2", meta.path("arch").asText());
        assertEquals(96, meta.path("imageSize").asInt());
        assertEquals("keras2-h5", meta.path("weights").path("format").asText());
        assertEquals(64, meta.path("weights").path("sha256").asText().length());
        assertEquals(0.35, meta.path("weights").path("alpha").asDouble());
    }

    @Test
    void featurizeTakesAWeightsFileAsModel() throws IOException {
        Path in = tmp.resolve("in/Lemon");
        Files.createDirectories(in);
        try (Stream<Path> s = Files.list(Path.of(Samples.images()).resolve("Lemon"))) {
            for (Path p : s.sorted().limit(4).collect(Collectors.toList())) {
                Files.copy(p, in.resolve(p.getFileName()));
            }
        }
        Path saved = tmp.resolve("saved");
        assertEquals(0, cli("make-model", "--weights", weights.resolve("tfjs-uint8/model.json").toString(),
                "--image-size", "96", "--output", saved.toString()).code());
        List<FeatureRecord> fromFile = featurize(weights.resolve("tfjs-uint8/model.json"), "out-file");
        List<FeatureRecord> fromSaved = featurize(saved, "out-saved");
        assertEquals(4, fromFile.size());
        assertEquals(1280, fromFile.get(0).features().length);
        for (int i = 0; i < fromFile.size(); i++) {
            assertTrue(Arrays.equals(fromSaved.get(i).features(), fromFile.get(i).features()),
                    "the weights file and the SavedModel made from it give the same features");
        }
    }

    private List<FeatureRecord> featurize(Path model, String out) {
        RunCommandTest.Captured c = cli("featurize", "--input", tmp.resolve("in").toString(), "--model", model.toString(),
                "--image-size", "96", "--output", tmp.resolve(out).toString(), "--master", "local[2]", "--no-event-log");
        assertEquals(0, c.code(), c.err());
        return Sink.readFeatureFolder(tmp.resolve(out).resolve("features").toString(), StorageOptions.defaults())
                .stream().sorted(Comparator.comparing(FeatureRecord::imageId)).toList();
    }

    private void refused(String expected, String... args) {
        Path out = tmp.resolve("refused");
        String[] all = Stream.concat(Arrays.stream(args), Stream.of("--output", out.toString())).toArray(String[]::new);
        RunCommandTest.Captured c = cli(all);
        assertEquals(1, c.code(), c.err());
        assertEquals(1, c.err().strip().lines().count(), "one line: " + c.err());
        assertTrue(c.err().startsWith("orchard: ") && c.err().contains(expected), c.err());
        assertFalse(Files.exists(out), "no output");
    }

    @Test
    void badWeightsExitOneWithOneLineAndNoOutput() throws IOException {
        byte[] h5 = Files.readAllBytes(weights.resolve("keras2.h5"));
        Path truncated = tmp.resolve("truncated.h5");
        Files.write(truncated, Arrays.copyOf(h5, h5.length / 3));
        refused("truncated.h5", "make-model", "--weights", truncated.toString());

        Path garbage = tmp.resolve("garbage.h5");
        Files.writeString(garbage, "this is not HDF5 at all");
        refused("is neither HDF5", "make-model", "--weights", garbage.toString());

        Files.delete(weights.resolve("tfjs-float32/group1-shard1of1.bin"));
        refused("which is missing beside it", "make-model", "--weights",
                weights.resolve("tfjs-float32/model.json").toString());

        refused("has no layer block1_conv1", "make-model", "--arch", "vgg16", "--weights",
                weights.resolve("keras3.weights.h5").toString().replace("keras3.weights.h5", "model.keras"));
        refused("in the file but mobilenet_v2 alpha 1.0 needs", "make-model", "--alpha", "1.0", "--weights",
                weights.resolve("keras2.h5").toString());
    }
}
