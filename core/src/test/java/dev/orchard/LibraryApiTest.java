package dev.orchard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.SparkTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Orchard used as a library, through {@code dev.orchard} only (no {@code job} class on this module's path): the
 * sample images and model featurized, reconciled, reduced and committed; RDD inputs; TensorFlow's environment and
 * threads as each executor reports them.
 */
class LibraryApiTest {

    private static final Path SAMPLES = Path.of("..", "data-samples", "fruits-sample");
    private static final Path MODEL = Path.of("..", "data-samples", "models", "sample-cnn");

    @TempDir
    static Path dir;

    static JavaSparkContext sc;
    static Orchard orchard;

    @BeforeAll
    static void setUp() {
        sc = SparkTestSupport.sc();
        orchard = Orchard.builder(sc).maxPartitionSize(100).build();
    }

    @Test
    void featurizeFitProjectAndCommitInAFewLines() throws Exception {
        String out = dir.resolve("out").toString();
        Images images = orchard.list(SAMPLES.toString());
        Model model = orchard.model(MODEL.toString());
        long inferences;
        try (Featurization f = orchard.featurize(images, model);
             Output o = orchard.output(out).formats(OutputFormat.PARQUET, OutputFormat.CSV).open()) {
            o.write(f);
            PcaModel pca = orchard.fitPca(f.features(), PcaOptions.fixedK(10));
            assertEquals(f.featurized(), o.write(pca, pca.transform(f.features())));
            o.commit(Map.of("example", true));
            assertEquals(images.knownCount(), f.listed());
            assertEquals(f.listed(), f.featurized() + f.failed());
            inferences = f.inferences();
            assertEquals(f.featurized(), inferences, "the CNN ran once per image over fitting and projecting");

            // TensorFlow's environment, sessions and threads, as the executor reported them (local[2]: the driver, 2 cores)
            List<ExecutorRuntime> executors = f.executors();
            assertEquals(1, executors.size(), executors.toString());
            assertEquals(2, executors.get(0).inferenceStreams(), executors.toString()); // one session per core
            assertEquals(1, executors.get(0).intraOpThreads(), executors.toString());
            assertTrue(executors.get(0).oneDnn(), "oneDNN on in the executor: " + executors);
            assertEquals(List.of(), f.warnings());
        }
        assertTrue(Files.exists(Path.of(out, "_SUCCESS")));
        String manifest = Files.readString(Path.of(out, "_SUCCESS"));
        assertTrue(manifest.contains("\"listed\" : " + images.knownCount())
                || manifest.replace(" ", "").contains("\"listed\":" + images.knownCount()), manifest);
        PcaModel saved = PcaModel.fromJson(Files.readString(Path.of(out, "pca-model.json")));
        assertEquals(10, saved.k());
        assertEquals(images.knownCount(), orchard.readFeatures(Path.of(out, "features").toString()).count());
    }

    @Test
    void writingAFeaturizationIsOnePassThatTalliesEveryCountAndCanSkipTheCache() throws Exception {
        Path in = dir.resolve("tally-in");
        for (String label : List.of("Avocado", "Banana")) {
            Files.createDirectories(in.resolve(label));
            try (Stream<Path> files = Files.list(SAMPLES.resolve("Training").resolve(label))) {
                for (Path p : files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(5).toList()) {
                    Files.copy(p, in.resolve(label).resolve(p.getFileName()));
                }
            }
        }
        Files.write(in.resolve("Avocado/not-an-image.jpg"), "hello, not a JPEG".getBytes());
        Files.write(in.resolve("Banana/text.png"), "neither a PNG".getBytes());
        Model model = orchard.model(MODEL.toString());
        Images images = orchard.list(in.toString());
        assertEquals(12, images.knownCount());
        int persistedBefore = sc.getPersistentRDDs().size();

        String out = dir.resolve("tally-out").toString();
        try (Featurization f = orchard.featurize(images, model).cache(false);
             Output o = orchard.output(out).formats(OutputFormat.PARQUET, OutputFormat.CSV).open()) {
            assertFalse(f.cached());
            assertEquals(persistedBefore, sc.getPersistentRDDs().size(), "nothing marked for caching");
            o.write(f);
            long inferences = f.inferences();
            assertEquals(10, inferences, "the CNN ran once per decoded image");
            // Every count a report needs came from the write's pass: none of these runs the CNN again.
            assertEquals(12, f.listed());
            assertEquals(10, f.featurized());
            assertEquals(2, f.failed());
            assertEquals(Map.of("Avocado", 5L, "Banana", 5L), f.featurizedPerLabel());
            assertEquals(List.of(new Tuple2<>("not an image", 2L)), f.failuresByKind());
            assertEquals(List.of("Avocado/not-an-image.jpg", "Banana/text.png"),
                    f.failureExamples().stream().map(e -> e.imageId().substring(e.imageId().indexOf("tally-in/") + 9))
                            .sorted().toList());
            assertEquals(inferences, f.inferences(), "the tally needed no second pass");
            assertThrows(IllegalStateException.class, () -> f.cache(true), "too late: the results were computed");
            // Without the cache, any other action runs the CNN again, as documented.
            assertEquals(10, f.features().count());
            assertEquals(2 * inferences, f.inferences());
            o.commit();
        }
        assertEquals(10, orchard.readFeatures(Path.of(out, "features").toString()).count());
        String errorCsv;
        try (Stream<Path> parts = Files.list(Path.of(out, "errors"))) {
            errorCsv = parts.filter(p -> p.toString().endsWith(".csv")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.joining());
        }
        assertTrue(errorCsv.contains("/tally-in/Avocado/not-an-image.jpg,")
                && errorCsv.contains("/tally-in/Banana/text.png,"), errorCsv);

        // Cached (the default) and counted before the write: the write's pass reads the cache, the CNN runs once.
        try (Featurization f = orchard.featurize(images, model);
             Output o = orchard.output(dir.resolve("tally-cached").toString()).open()) {
            assertTrue(f.cached());
            assertEquals(2, f.failed());
            long inferences = f.inferences();
            o.write(f);
            assertEquals(10, f.featurized());
            assertEquals(inferences, f.inferences());
            assertEquals(10, inferences);
            assertEquals(f.featurizedPerLabel(), Map.of("Avocado", 5L, "Banana", 5L));
        }
        // Nothing to featurize: counted without a write, every count is zero.
        try (Featurization f = orchard.featurize(orchard.fromBytes(sc.parallelizePairs(List.of(), 2)), model)) {
            assertEquals(0, f.listed());
            assertEquals(List.of(), f.failureExamples());
            assertEquals(List.of(), f.failuresByKind());
        }
    }

    @Test
    void rddsOfBytesAndOfUrisGiveTheListingsFeatures() throws Exception {
        Model model = orchard.model(MODEL.toString());
        Map<String, float[]> listed;
        try (Featurization f = orchard.featurize(orchard.list(SAMPLES.toString()), model)) {
            listed = f.features().collect().stream().collect(Collectors.toMap(FeatureRecord::imageId,
                    FeatureRecord::features));
        }
        List<Tuple2<String, byte[]>> bytes = new ArrayList<>();
        List<Tuple2<String, String>> uris = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SAMPLES)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".jpg")).sorted()
                    .limit(40).toList()) {
                String id = "photos/" + p.getParent().getFileName() + "/" + p.getFileName();
                bytes.add(new Tuple2<>(id, Files.readAllBytes(p)));
                uris.add(new Tuple2<>(id, "file://" + p.toAbsolutePath().normalize())); // raw, not percent-encoded
            }
        }
        JavaPairRDD<String, byte[]> byteRdd = sc.parallelizePairs(bytes, 3);
        JavaPairRDD<String, String> uriRdd = sc.parallelizePairs(uris, 3);
        for (Images images : List.of(orchard.fromBytes(byteRdd), orchard.fromUris(uriRdd))) {
            try (Featurization f = orchard.featurize(images, model)) {
                List<FeatureRecord> got = f.features().collect();
                assertEquals(40, got.size(), () -> f.errors().take(5).toString());
                assertEquals(40, f.listed());
                assertEquals(0, f.failed());
                for (FeatureRecord r : got) {
                    assertTrue(r.imageId().startsWith("photos/"), r.imageId());
                    assertEquals(images.labels().get(r.labelIndex()), r.label());
                    String file = r.imageId().substring("photos/".length());
                    float[] expected = listed.entrySet().stream().filter(e -> e.getKey().endsWith("/" + file))
                            .findFirst().orElseThrow().getValue();
                    assertArrayEquals(expected, r.features(), 1e-6f, r.imageId());
                }
            }
        }
    }

    @Test
    void anUncommittedOutputHasNoSuccessAndClosedThingsRefuseWork() throws Exception {
        String out = dir.resolve("uncommitted").toString();
        Featurization f = orchard.featurize(orchard.list(SAMPLES.toString()), orchard.model(MODEL.toString()));
        try (Output o = orchard.output(out).open()) {
            o.write(f);
        }
        assertTrue(Files.isDirectory(Path.of(out, "features")));
        assertFalse(Files.exists(Path.of(out, "_SUCCESS")), "an output closed without commit never looks complete");
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, f::featurized);
        assertThrows(OutputExistsException.class, () -> orchard.output(out).open(), "a non-empty output needs overwrite");
        orchard.output(out).overwrite(true).open().close();
    }

    @Test
    void configureSetsTensorFlowsEnvironmentForExecutorsAndTheYarnDriver() {
        SparkConf conf = Orchard.configure(new SparkConf(false).set("spark.executorEnv.TF_CPP_MIN_LOG_LEVEL", "0"));
        assertEquals("1", conf.get("spark.executorEnv.TF_ENABLE_ONEDNN_OPTS"));
        assertEquals("1", conf.get("spark.yarn.appMasterEnv.TF_ENABLE_ONEDNN_OPTS"));
        assertEquals("1", conf.get("spark.executorEnv.TF_OVERRIDE_GLOBAL_THREADPOOL"));
        assertEquals("0", conf.get("spark.executorEnv.TF_CPP_MIN_LOG_LEVEL"), "what the user set is kept");
        assertEquals("1", conf.get("spark.executorEnv.OPENBLAS_NUM_THREADS"), "one BLAS thread per task slot");
        assertEquals("4", Orchard.configure(new SparkConf(false).set("spark.executorEnv.OPENBLAS_NUM_THREADS", "4"))
                .get("spark.executorEnv.OPENBLAS_NUM_THREADS"));
        assertEquals(List.of(), Orchard.missingNativeEnvironment(Orchard.NATIVE_ENVIRONMENT));
        assertEquals(List.of("TF_ENABLE_ONEDNN_OPTS", "TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", "TF_OVERRIDE_GLOBAL_THREADPOOL"),
                Orchard.missingNativeEnvironment(Map.of("TF_ENABLE_ONEDNN_OPTS", "0")));
    }
}
