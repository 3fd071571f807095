package dev.orchard.internal.model;

import dev.orchard.ModelException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.StorageOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

class ModelPackageTest {

    private static final ModelSpec ANY_SPEC =
            new ModelSpec("serving_default", "input:0", "features:0", 2, 2, 1, Preprocessing.UNIT);

    @TempDir
    Path tmp;

    @Test
    void resolvesSpecOfTheSampleCnnFromItsSignatureAndMetadata() {
        ModelPackage p = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), ModelOverrides.none());
        ModelSpec s = p.spec();
        assertEquals("serving_default", s.signatureKey());
        assertEquals("input:0", s.inputTensor());
        assertEquals("features:0", s.outputTensor());
        assertEquals(100, s.imageHeight());
        assertEquals(100, s.imageWidth());
        assertEquals(128, s.featureDim());
        assertEquals(Preprocessing.UNIT, s.preprocessing());
        assertTrue(p.packedBytes() > 100_000, "packed " + p.packedBytes());
    }

    @Test
    void fileUriAndPlainPathGiveTheSamePackage() {
        Path dir = SampleModelFixture.sampleModel();
        ModelPackage a = ModelPackage.fromUri("file://" + dir, StorageOptions.defaults(), null);
        ModelPackage b = ModelPackage.fromUri(dir.toString(), StorageOptions.defaults(), null);
        assertEquals(a.spec(), b.spec());
        assertEquals(a.packedBytes(), b.packedBytes());
    }

    @Test
    void overridesWin() {
        ModelOverrides o = new ModelOverrides(null, "input", "features", 64, Preprocessing.VGG16);
        ModelSpec s = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), o).spec();
        assertEquals(64, s.imageHeight());
        assertEquals(Preprocessing.VGG16, s.preprocessing());
        assertEquals("input:0", s.inputTensor());
    }

    @Test
    void unknownFeatureDimIsFoundByRunningOneImage() {
        // A graph tensor outside the signature has no declared shape: the resolver must probe.
        ModelOverrides o = new ModelOverrides(null, null, "global_avg_pool", null, null);
        ModelSpec s = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), o).spec();
        assertEquals("global_avg_pool:0", s.outputTensor());
        assertEquals(128, s.featureDim());
    }

    @Test
    void modelWithoutOrchardMetadataDefaultsToMobilenetPreprocessing() throws IOException {
        Path copy = SampleModelFixture.copyOfSampleModel(tmp.resolve("keras-like"));
        ModelPackage.deleteRecursively(copy.resolve("assets.extra"));
        assertEquals(Preprocessing.MOBILENET_V2, ModelPackage.fromDirectory(copy, null).spec().preprocessing());
    }

    @Test
    void unknownImageSizeWithoutOverrideAsksForImageSize() throws IOException {
        Path copy = SampleModelFixture.copyOfSampleModel(tmp.resolve("dynamic"));
        ModelPackage.deleteRecursively(copy.resolve("assets.extra"));
        makeInputSpatiallyDynamic(copy.resolve("saved_model.pb"));
        ModelException e = assertThrows(ModelException.class, () -> ModelPackage.fromDirectory(copy, null));
        assertTrue(e.getMessage().contains("--image-size"), e.getMessage());
        assertTrue(e.getMessage().contains("[-1, -1, -1, 3]"), e.getMessage());
        ModelSpec s = ModelPackage.fromDirectory(copy, new ModelOverrides(null, null, null, 100, null)).spec();
        assertEquals(100, s.imageWidth());
    }

    @Test
    void unknownSignatureNamesTheOnesThatExist() {
        ModelException e = assertThrows(ModelException.class, () -> ModelPackage.fromDirectory(
                SampleModelFixture.sampleModel(), new ModelOverrides("nope", null, null, null, null)));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("serving_default"), e.getMessage());
    }

    @Test
    void missingSavedModelPbIsAClearModelException() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("not-a-model"));
        ModelException e = assertThrows(ModelException.class, () -> ModelPackage.fromDirectory(empty, null));
        assertTrue(e.getMessage().contains("No saved_model.pb in " + empty), e.getMessage());
        assertTrue(e.getMessage().contains("--model"), e.getMessage());
        assertEquals(empty.toString(), e.location());

        Path missing = tmp.resolve("missing");
        ModelException e2 = assertThrows(ModelException.class,
                () -> ModelPackage.fromUri(missing.toString(), StorageOptions.defaults(), null));
        assertTrue(e2.getMessage().contains(missing + " does not exist"), e2.getMessage());
    }

    @Test
    void corruptSavedModelPbIsAClearModelException() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("corrupt"));
        Files.write(dir.resolve("saved_model.pb"), new byte[] {(byte) 0xff, 0x13, 0x37});
        ModelException e = assertThrows(ModelException.class, () -> ModelPackage.fromDirectory(dir, null));
        assertTrue(e.getMessage().contains("not a valid SavedModel"), e.getMessage());
    }

    @Test
    void unpacksToTheSameFiles() throws IOException {
        Path src = SampleModelFixture.sampleModel();
        ModelPackage p = ModelPackage.fromDirectory(src, null);
        Path out = p.unpackTo(tmp.resolve("unpacked"));
        for (String f : new String[] {"saved_model.pb", "variables/variables.index", ModelMetadata.RELATIVE_PATH}) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ModelPackage p = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(p);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            ModelPackage q = (ModelPackage) in.readObject();
            assertEquals(p.spec(), q.spec());
            assertEquals(p.packedBytes(), q.packedBytes());
        }
    }

    @Test
    void zipSlipEntryIsRefused() throws IOException {
        for (String evil : new String[] {"../evil.txt", "variables/../../evil.txt", "/tmp/evil-abs.txt"}) {
            ModelPackage p = new ModelPackage(zip(evil, new byte[] {1, 2, 3}), ANY_SPEC, "evil.zip");
            Path target = tmp.resolve("slip");
            ModelException e = assertThrows(ModelException.class, () -> p.unpackTo(target), evil);
            assertTrue(e.getMessage().contains("outside its folder"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("evil.txt")));
            assertFalse(Files.exists(Path.of("/tmp/evil-abs.txt")));
        }
    }

    @Test
    void oversizedArchiveIsRefused() throws IOException {
        // 1 MiB of zeros compresses to ~1 KB: the limit must count bytes written, not trust headers.
        ModelPackage p = new ModelPackage(zip("variables/big.bin", new byte[1 << 20]), ANY_SPEC, "bomb.zip");
        assertTrue(p.packedBytes() < 10_000, "packed " + p.packedBytes());
        ModelException e = assertThrows(ModelException.class, () -> p.unpackTo(tmp.resolve("bomb"), 100_000));
        assertTrue(e.getMessage().contains("more than 100000 bytes"), e.getMessage());
        // Under a large enough limit the same archive unpacks.
        assertEquals(1 << 20, Files.size(p.unpackTo(tmp.resolve("ok"), 2 << 20).resolve("variables/big.bin")));
    }

    private static byte[] zip(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry(name));
            out.write(content);
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** Rewrites the serving signature's input shape to [-1, -1, -1, 3], like a Keras model with None sizes. */
    private static void makeInputSpatiallyDynamic(Path pb) throws IOException {
        SavedModel model = SavedModel.parseFrom(Files.readAllBytes(pb));
        SavedModel.Builder b = model.toBuilder();
        var mg = b.getMetaGraphsBuilder(0);
        SignatureDef sig = mg.getSignatureDefOrThrow("serving_default");
        TensorInfo in = sig.getInputsOrThrow("input");
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : new long[] {-1, -1, -1, 3}) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        mg.putSignatureDef("serving_default",
                sig.toBuilder().putInputs("input", in.toBuilder().setTensorShape(shape).build()).build());
        Files.write(pb, b.build().toByteArray());
    }
}
