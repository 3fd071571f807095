package dev.orchard.internal.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights Orchard must refuse, each with one line naming what is wrong, and without writing any output.
 * Bad files are derived from the committed reference fixtures (truncated, garbled, shards removed).
 */
class WeightImportErrorsTest {

    @TempDir
    Path tmp;

    private static Path fixture(String model, String file) {
        return KerasReference.dir().resolve(model).resolve(file);
    }

    private WeightsException refused(Path weights, String arch, Double alpha, Integer size) {
        Path out = tmp.resolve("out");
        WeightsException e = assertThrows(WeightsException.class, () -> WeightImport.export(weights, arch, alpha, size, out));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(out), "no output for a refused import");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("orchard-import")), "no temporary left");
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
        return e;
    }

    @Test
    void truncatedHdf5IsRefused() throws IOException {
        byte[] all = Files.readAllBytes(fixture("mobilenet_v2_0.35", "keras2.h5"));
        for (int keep : new int[] {all.length / 2, 4096, 8}) {
            Path bad = tmp.resolve("truncated-" + keep + ".h5");
            Files.write(bad, Arrays.copyOf(all, keep));
            WeightsException e = refused(bad, null, null, null);
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            assertTrue(e.getMessage().matches(".*(not readable HDF5|Cannot read|truncated|no Keras weights).*"),
                    e.getMessage());
        }
    }

    @Test
    void garbageIsRefused() throws IOException {
        byte[] junk = new byte[100_000];
        new Random(7).nextBytes(junk);
        Path bad = tmp.resolve("junk.h5");
        Files.write(bad, junk);
        assertTrue(refused(bad, null, null, null).getMessage().contains("is neither HDF5"));
        // HDF5's signature followed by garbage
        byte[] sig = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        System.arraycopy(sig, 0, junk, 0, sig.length);
        Files.write(bad, junk);
        assertTrue(refused(bad, null, null, null).getMessage().contains("not readable HDF5"));
        Path notJson = tmp.resolve("model.json");
        Files.writeString(notJson, "{\"modelTopology\": [");
        assertTrue(refused(notJson, null, null, null).getMessage().contains("is not valid JSON"));
    }

    @Test
    void tfjsModelWithMissingOrShortShardsIsRefused() throws IOException {
        Path src = fixture("mobilenet_v2_0.35", "tfjs-uint8");
        Path dir = Files.createDirectories(tmp.resolve("tfjs"));
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path shard = dir.resolve("group1-shard1of1.bin");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(refused(dir.resolve("model.json"), null, null, null).getMessage()
                .contains("hold " + (bytes.length - 100) + " bytes but the manifest declares " + bytes.length));
        Files.delete(shard);
        assertTrue(refused(dir.resolve("model.json"), null, null, null).getMessage()
                .contains("lists shard group1-shard1of1.bin, which is missing beside it"));
    }

    @Test
    void hostileManifestIsRefusedBeforeAllocating() throws IOException {
        Path json = tmp.resolve("model.json");
        Files.writeString(json, "{\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":[{\"name\":\"Conv1/kernel\","
                + "\"shape\":[3,3,3,2000000000],\"dtype\":\"float32\"}]}]}");
        Files.write(tmp.resolve("w.bin"), new byte[16]);
        assertTrue(refused(json, null, null, null).getMessage().contains("larger than Orchard reads"));
        Files.writeString(json, "{\"weightsManifest\":[{\"paths\":[\"../../etc/passwd\"],\"weights\":[]}]}");
        assertTrue(refused(json, null, null, null).getMessage().contains("outside its folder"));
    }

    @Test
    void wrongArchitectureIsRefusedNamingTheLayer() {
        WeightsException e = refused(fixture("vgg16", "keras2.h5"), "mobilenet_v2", null, null);
        assertTrue(e.getMessage().contains("has no layer Conv1") && e.getMessage().contains("[3, 3, 3, 32]")
                && e.getMessage().contains("block1_conv1"), e.getMessage());
        e = refused(fixture("mobilenet_v2_0.35", "tfjs-float32/model.json"), "vgg16", null, null);
        assertTrue(e.getMessage().contains("has no layer block1_conv1"), e.getMessage());
        // a Keras 3 .weights.h5 has no names: the mismatch shows in the shapes
        e = refused(fixture("mobilenet_v2_0.35", "keras3.weights.h5"), "vgg16", null, null);
        assertTrue(e.getMessage().contains("layer block1_conv1 kernel is [3, 3, 3, 16] in the file but vgg16")
                && e.getMessage().contains("needs [3, 3, 3, 64]"), e.getMessage());
    }

    @Test
    void wrongAlphaIsRefusedWithBothShapesAndTheAlphaThatFits() {
        WeightsException e = refused(fixture("mobilenet_v2_0.35", "keras2.h5"), null, 1.0, null);
        assertEquals("Weights file " + fixture("mobilenet_v2_0.35", "keras2.h5").toAbsolutePath().normalize()
                + ": layer Conv1 kernel is [3, 3, 3, 16] in the file but mobilenet_v2 alpha 1.0 needs [3, 3, 3, 32]; "
                + "the file fits alpha 0.35: pass --alpha 0.35 or leave --alpha out", e.getMessage());
        // alpha 0.5 has the same Conv1 as 0.35: the first difference is deeper
        e = refused(fixture("mobilenet_v2_0.35", "keras2.h5"), null, 0.5, null);
        assertTrue(e.getMessage().contains("layer block_1_project kernel is [1, 1, 48, 8] in the file but "
                + "mobilenet_v2 alpha 0.5 needs [1, 1, 48, 16]"), e.getMessage());
    }

    @Test
    void unsupportedAlphaOrArchIsAUsageError() {
        Path w = fixture("mobilenet_v2_0.35", "keras2.h5");
        assertThrows(IllegalArgumentException.class, () -> WeightImport.export(w, null, 0.6, null, tmp.resolve("o")));
        assertThrows(IllegalArgumentException.class, () -> WeightImport.export(w, "resnet50", null, null, tmp.resolve("o")));
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void aFolderThatIsNotASavedModelIsNotOverwritten() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        IOException e = assertThrows(IOException.class,
                () -> WeightImport.export(fixture("mobilenet_v2_0.35", "keras2.h5"), null, null, 96, out));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    }
}
