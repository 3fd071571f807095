package dev.orchard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.sink.Manifest;
import dev.orchard.testing.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental runs through the library API only: list, diff, featurize what changed, commit, read the chain. */
class IncrementalApiTest {

    private static final Path SAMPLES = Path.of("..", "data-samples", "fruits-sample", "Training");
    private static final Path MODEL = Path.of("..", "data-samples", "models", "sample-cnn");

    @TempDir
    Path dir;

    @Test
    void diffFeaturizesOnlyNewImagesAndTheChainReadsEveryImageOnce() throws IOException {
        JavaSparkContext sc = SparkTestSupport.sc();
        Orchard orchard = Orchard.builder(sc).maxPartitionSize(50).build();
        Path input = dir.resolve("in");
        List<Path> classes;
        try (Stream<Path> s = Files.list(SAMPLES)) {
            classes = s.sorted().limit(3).toList();
        }
        copy(classes.get(0), input);
        copy(classes.get(1), input);
        Model model = orchard.model(MODEL.toString());
        String first = dir.resolve("first").toString();
        try (Featurization f = orchard.featurize(orchard.list(input.toString()), model);
             Output out = orchard.output(first).open()) {
            out.write(f);
            out.commit();
        }

        copy(classes.get(2), input); // a new class: every label index after it may move
        Images images = orchard.list(input.toString());
        String second = dir.resolve("second").toString();
        long before = Manifest.read(first, StorageOptions.defaults()).counts().listed();
        try (ListingDiff diff = orchard.diff(images, model, List.of(first));
             Featurization f = orchard.featurize(diff.toFeaturize(), model);
             Output out = orchard.output(second).open()) {
            assertEquals(images.knownCount() - before, diff.countNew());
            assertEquals(before, diff.countUnchanged());
            assertEquals(0, diff.countRetired() + diff.countChanged() + diff.countRetried());
            out.write(f, diff);
            out.commit();
            assertEquals(diff.countNew(), f.inferences(), "only the new images ran the CNN");
            assertEquals(before, diff.reusedFeatures().count());
        }
        Manifest m = Manifest.read(second, StorageOptions.defaults());
        assertEquals(new Manifest.Counts(images.knownCount(), before, images.knownCount() - before, 0, 0), m.counts());

        List<FeatureRecord> all = orchard.readFeatures(List.of(second + "/features")).collect();
        Set<String> ids = all.stream().map(FeatureRecord::imageId).collect(Collectors.toSet());
        assertEquals(images.knownCount(), all.size());
        assertEquals(all.size(), ids.size(), "no image twice");
        assertTrue(all.stream().allMatch(r -> images.labels().get(r.labelIndex()).equals(r.label())),
                "label indices follow the union's labels");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PcaModel.fromJson(new PcaModel(3, 5, false, new double[3], null, new double[][] {{0, 1, 0}},
                        new double[] {1}, new double[] {1}, 1).toJson()).requireApplicable(
                        model.featureDimension(), model.featureSpec(), "the sample model's features"));
        assertTrue(e.getMessage().startsWith("The PCA model expects 3-dimensional features"), e.getMessage());
    }

    private static void copy(Path cls, Path input) throws IOException {
        Path dst = Files.createDirectories(input.resolve(cls.getFileName().toString()));
        try (Stream<Path> s = Files.list(cls)) {
            for (Path f : s.toList()) {
                Files.copy(f, dst.resolve(f.getFileName().toString()));
            }
        }
    }
}
