package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.PcaModel;
import dev.orchard.PcaRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.Sink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental runs, {@code transform} and {@code run --pca-model} on local files (identity: size + mtime). */
class IncrementalRunTest extends IncrementalScenario {

    @TempDir
    Path tmp;

    @Override
    String root() {
        return tmp.toUri().toString().replaceAll("/$", "");
    }

    @Override
    StorageOptions options() {
        return StorageOptions.defaults();
    }

    @Override
    List<String> storageFlags() {
        return List.of();
    }

    @Test
    void incrementalRunFeaturizesOnlyWhatChangedAndTransformReproducesTheFirstRun() throws IOException {
        String first = scenario();

        // transform with the first run's model reproduces its pca/ exactly.
        assertEquals(0, orchard("transform", "--pca-model", first + "/pca-model.json", "--features",
                first + "/features", "--output", run(10)));
        Map<String, double[]> original = pcaById(first);
        Map<String, double[]> again = pcaById(run(10));
        assertEquals(original.keySet(), again.keySet());
        original.forEach((id, pc) -> assertArrayEquals(pc, again.get(id), 0.0, id));
        assertEquals(PcaModel.fromJson(Files.readString(Path.of(java.net.URI.create(first + "/pca-model.json")))),
                PcaModel.fromJson(Files.readString(Path.of(java.net.URI.create(run(10) + "/pca-model.json")))));

        // A model of another dimension is refused with one line, and nothing is committed.
        PcaModel wrong = new PcaModel(3, 10, false, new double[3], null, new double[][] {{1, 0, 0}},
                new double[] {1}, new double[] {1}, 1);
        Path wrongFile = tmp.resolve("wrong-model.json");
        Files.writeString(wrongFile, wrong.toJson(), StandardCharsets.UTF_8);
        RunCommandTest.Captured refused = RunCommandTest.capture(() -> orchard("transform", "--pca-model",
                wrongFile.toString(), "--features", first + "/features", "--output", run(11)));
        assertEquals(Main.EXIT_USAGE, refused.code());
        assertTrue(refused.err().contains("expects 3-dimensional features"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertFalse(Files.exists(tmp.resolve("runs/11/_SUCCESS")));

        // A model fitted on features of another preprocessing is refused too.
        PcaModel firstModel = PcaModel.fromJson(Files.readString(tmp.resolve("runs/1/pca-model.json")));
        Map<String, String> otherSpec = new HashMap<>(firstModel.featureSpec());
        otherSpec.put("preprocessing", "vgg16");
        Files.writeString(wrongFile, firstModel.withFeatureSpec(otherSpec).toJson(), StandardCharsets.UTF_8);
        refused = RunCommandTest.capture(() -> orchard("transform", "--pca-model", wrongFile.toString(), "--features",
                first + "/features", "--output", run(12)));
        assertEquals(Main.EXIT_USAGE, refused.code());
        assertTrue(refused.err().contains("preprocessing vgg16"), refused.err());

        // run --pca-model: featurize the new and changed images, project them in the first run's space, no fit.
        assertEquals(0, orchard("run", "--input", input(), "--output", run(13), "--incremental-from", first,
                "--pca-model", first + "/pca-model.json"));
        assertEquals(ADDED + CHANGED, Sink.readPcaFolder(run(13) + "/pca", options()).size());
        assertEquals(firstModel, PcaModel.fromJson(Files.readString(tmp.resolve("runs/13/pca-model.json"))));
        assertEquals(0, orchard("transform", "--pca-model", first + "/pca-model.json", "--features",
                run(13) + "/features", "--output", run(14)));
        Map<String, double[]> direct = pcaById(run(13));
        Map<String, double[]> viaTransform = pcaById(run(14));
        assertTrue(viaTransform.size() > direct.size(), "transform of a chain projects its whole union");
        direct.forEach((id, pc) -> assertArrayEquals(pc, viaTransform.get(id), 0.0, id));
        long listed = sampleImages().size() + ADDED - DELETED;
        assertEquals(new Manifest.Counts(listed, listed, 0), Manifest.read(run(14), options()).counts());
    }

    private Map<String, double[]> pcaById(String output) {
        Map<String, double[]> m = new HashMap<>();
        for (PcaRecord r : Sink.readPcaFolder(output + "/pca", options())) {
            assertTrue(m.put(r.imageId(), r.pca()) == null, r.imageId());
        }
        return m;
    }
}
