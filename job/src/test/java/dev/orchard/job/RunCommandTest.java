package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on the sample images and model, in embedded local Spark. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path input;
    static Path runOut;

    /** A copy of part of the sample set plus files that cannot be featurized. */
    @BeforeAll
    static void input() throws IOException {
        Path samples = Path.of(Samples.images());
        input = tmp.resolve("in");
        try (Stream<Path> classes = Files.list(samples)) {
            for (Path cls : classes.sorted().limit(6).collect(Collectors.toList())) {
                try (Stream<Path> imgs = Files.list(cls)) {
                    for (Path img : imgs.sorted().limit(10).collect(Collectors.toList())) {
                        Path dst = input.resolve(cls.getFileName().toString()).resolve(img.getFileName().toString());
                        Files.createDirectories(dst.getParent());
                        Files.copy(img, dst);
                    }
                }
            }
        }
        Files.createDirectories(input.resolve("Broken"));
        Files.write(input.resolve("Broken/text.jpg"), "this is not a jpeg".getBytes(StandardCharsets.UTF_8));
        Files.write(input.resolve("Broken/empty.png"), new byte[0]);
        runOut = tmp.resolve("run out");
    }

    static int orchard(String... args) {
        return Main.execute(args);
    }

    @Test
    @Order(1)
    void runWritesTheContractedLayoutAndReconciles() throws IOException {
        int code = orchard("run", "--input", input.toString(), "--output", runOut.toString(), "--format", "both",
                "--k", "5", "--master", "local[2]", "--max-partition-size", "16");
        assertEquals(0, code);
        for (String f : List.of("features", "errors", "pca", "pca-model.json", "report.json", "_SUCCESS")) {
            assertTrue(Files.exists(runOut.resolve(f)), f);
        }
        JsonNode manifest = JSON.readTree(runOut.resolve("_SUCCESS").toFile());
        JsonNode counts = manifest.get("counts");
        assertEquals(62, counts.get("listed").asLong());
        assertEquals(60, counts.get("featurized").asLong());
        assertEquals(2, counts.get("failed").asLong());

        JsonNode model = JSON.readTree(runOut.resolve("pca-model.json").toFile());
        assertEquals(5, model.get("k").asInt());
        assertEquals(60, model.get("count").asLong());

        JsonNode report = JSON.readTree(runOut.resolve("report.json").toFile());
        assertEquals(60, report.get("inferences").asLong(), "the CNN ran exactly once per featurized image");
        assertEquals(2, report.get("counts").get("failed").asLong());

        // CSV and Parquet hold the same rows.
        assertEquals(SinkFiles.featureRows(runOut, "parquet"), SinkFiles.featureRows(runOut, "csv"));
        assertEquals(60, SinkFiles.featureRows(runOut, "csv").size());
        List<String> errors = SinkFiles.csvLines(runOut.resolve("errors"));
        assertTrue(errors.stream().allMatch(l -> !l.startsWith("image_id") || l.equals("image_id,reason,content_id")), errors.toString());
        List<String> rows = errors.stream().filter(l -> !l.equals("image_id,reason,content_id")).sorted().toList();
        assertEquals(2, rows.size(), rows.toString());
        assertTrue(rows.get(0).contains("Broken/empty.png") && rows.get(0).contains("empty file"), rows.get(0));
        assertTrue(rows.get(1).contains("Broken/text.jpg") && rows.get(1).contains("not an image"), rows.get(1));
    }

    @Test
    @Order(2)
    void pcaOnExistingFeatures() throws IOException {
        Path out = tmp.resolve("pca");
        int code = orchard("pca", "--features", runOut.resolve("features").toString(), "--k", "10", "--format", "csv",
                "--output", out.toString(), "--master", "local[2]");
        assertEquals(0, code);
        JsonNode model = JSON.readTree(out.resolve("pca-model.json").toFile());
        assertEquals(10, model.get("k").asInt());
        assertEquals(60, model.get("count").asLong());
        String header = Files.readAllLines(SinkFiles.anyPart(out.resolve("pca"), ".csv")).get(0);
        assertTrue(header.startsWith("image_id,label,label_index,pc_0,pc_1,"), header);
        assertTrue(header.endsWith(",pc_9"), header);
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
    }

    @Test
    @Order(3)
    void nonEmptyOutputIsRefusedWithoutOverwrite() {
        Captured c = capture(() -> orchard("featurize", "--input", input.toString(), "--output", runOut.toString()));
        assertEquals(Main.EXIT_FAILED, c.code);
        assertTrue(c.err.contains("--overwrite"), c.err);
        assertEquals(1, c.err.strip().lines().count(), c.err);
    }

    @Test
    void badFlagsFailFastWithOneLine() {
        Captured k = capture(() -> orchard("run", "--k", "0", "--output", tmp.resolve("x").toString()));
        assertEquals(Main.EXIT_USAGE, k.code);
        assertTrue(k.err.contains("--k must be >= 1"), k.err);

        Captured both = capture(() -> orchard("run", "--k", "3", "--variance", "0.9"));
        assertEquals(Main.EXIT_USAGE, both.code);

        Captured fmt = capture(() -> orchard("run", "--format", "xml", "--output", tmp.resolve("y").toString()));
        assertEquals(Main.EXIT_USAGE, fmt.code);
        assertTrue(fmt.err.toLowerCase().contains("format"), fmt.err);

        Captured missing = capture(() -> orchard("run", "--input", tmp.resolve("nope").toString(),
                "--output", tmp.resolve("z").toString()));
        assertEquals(Main.EXIT_FAILED, missing.code);
        assertTrue(missing.err.contains("--input"), missing.err);
        assertEquals(1, missing.err.strip().lines().count(), missing.err);
        assertFalse(Files.exists(tmp.resolve("z").resolve("_SUCCESS")));

        Captured model = capture(() -> orchard("run", "--model", tmp.toString(), "--output", tmp.resolve("w").toString()));
        assertEquals(Main.EXIT_FAILED, model.code);
        assertTrue(model.err.contains("saved_model.pb"), model.err);
    }

    @Test
    void inspectModelShowsTheSignature() {
        Captured c = capture(() -> orchard("inspect-model"));
        assertEquals(0, c.code, c.err);
        assertTrue(c.out.contains("serving_default"), c.out);
    }

    record Captured(int code, String out, String err) {}

    static synchronized Captured capture(java.util.function.IntSupplier body) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = body.getAsInt();
            return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
