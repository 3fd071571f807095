package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Sink;
import dev.orchard.StorageOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs in one JVM with two models use each its own model. Regression: the per-JVM model cache was keyed
 * by broadcast id, which restarts at 0 in every SparkContext, so the second run silently reused the first
 * run's model.
 */
class ModelPerRunTest {

    @TempDir
    Path tmp;

    @Test
    void eachRunUsesItsOwnModel() throws Exception {
        Path in = tmp.resolve("in/Lemon");
        Files.createDirectories(in);
        try (Stream<Path> s = Files.list(Path.of(Samples.images()).resolve("Lemon"))) {
            for (Path p : s.sorted().limit(6).collect(Collectors.toList())) {
                Files.copy(p, in.resolve(p.getFileName()));
            }
        }
        Path a = tmp.resolve("model-a");
        Path b = tmp.resolve("model-b");
        assertEquals(0, Main.execute("make-model", "--arch", "sample_cnn", "--seed", "1", "--output", a.toString()));
        assertEquals(0, Main.execute("make-model", "--arch", "sample_cnn", "--seed", "2", "--output", b.toString()));

        List<FeatureRecord> withA = featurize(a, "out-a");
        List<FeatureRecord> withB = featurize(b, "out-b");
        List<FeatureRecord> withAAgain = featurize(a, "out-a2");

        assertEquals(6, withA.size());
        for (int i = 0; i < withA.size(); i++) {
            assertNotEquals(java.util.Arrays.toString(withA.get(i).features()),
                    java.util.Arrays.toString(withB.get(i).features()), "the second run used the second model");
        }
        assertEquals(withA, withAAgain, "the same model gives the same features in a later run");
    }

    private List<FeatureRecord> featurize(Path model, String out) {
        assertEquals(0, Main.execute("featurize", "--input", tmp.resolve("in").toString(), "--model", model.toString(),
                "--output", tmp.resolve(out).toString(), "--master", "local[2]", "--no-event-log"));
        return Sink.readFeatureFolder(tmp.resolve(out).resolve("features").toString(), StorageOptions.defaults())
                .stream().sorted(Comparator.comparing(FeatureRecord::imageId)).toList();
    }
}
