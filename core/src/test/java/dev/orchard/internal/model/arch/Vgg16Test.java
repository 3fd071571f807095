package dev.orchard.internal.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.testing.Tolerances;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VGG16 at 224 px is 537 MB of weights: its parameter count is checked from the structure, and the
 * real export runs at 32 px (33.6 M parameters), where fc1 sees a 1x1x512 flatten.
 */
class Vgg16Test {

    /** Keras' {@code VGG16(include_top=True)} up to fc2: all layers but the 4,097,000-parameter predictions. */
    private static final long KERAS_TO_FC2_PARAMS = 134_260_544L;
    private static final long KERAS_CONV_PARAMS = 14_714_688L; // VGG16(include_top=False).count_params()
    private static final int SIZE = 32;
    private static final long SEED = 11L;

    @TempDir
    Path tmp;

    @Test
    void parameterCountsFromStructure() {
        ArchStats s = Vgg16.stats(224);
        assertEquals(KERAS_TO_FC2_PARAMS, s.kerasParameters());
        assertEquals(s.kerasParameters(), s.exportedParameters(), "no batch norm: nothing to fold");
        long atSmall = KERAS_CONV_PARAMS + (512L * 4096 + 4096) + (4096L * 4096 + 4096);
        assertEquals(atSmall, Vgg16.stats(SIZE).kerasParameters());
        // 15.5 G multiply-adds at 224 px (Simonyan and Zisserman; 30.9 GFLOP counting 2 each)
        long flops = s.flopsPerImage();
        assertTrue(flops > 30_800_000_000L && flops < 31_000_000_000L, "flops " + flops);
    }

    @Test
    void rejectsSizesOutsideTheLimits() {
        assertThrows(IllegalArgumentException.class, () -> Vgg16.stats(31));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vgg16.stats(321));
        assertTrue(e.getMessage().contains("320"), e.getMessage());
    }

    @Test
    void exportsResolvesAndRunsAtSmallSize() throws Exception {
        Path dir = tmp.resolve("vgg16");
        Vgg16.export(dir, SEED, SIZE);
        long variableBytes;
        try (Stream<Path> files = Files.walk(dir.resolve("variables"))) {
            variableBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        long weightBytes = 4 * Vgg16.stats(SIZE).exportedParameters();
        assertTrue(variableBytes >= weightBytes, "variables/ holds " + variableBytes + " < " + weightBytes);
        assertTrue(Files.size(dir.resolve("saved_model.pb")) < weightBytes / 100,
                "saved_model.pb must not hold a copy of the weights");

        ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
        assertEquals(Preprocessing.VGG16, spec.preprocessing());
        assertEquals(SIZE, spec.imageHeight());
        assertEquals(Vgg16.FEATURE_DIM, spec.featureDim());

        int n = 3;
        float[] x = InMemoryNet.randomImages(5, n, SIZE, -120f, 140f); // caffe-preprocessed range
        float[][] batch;
        try (LoadedModel m = LoadedModel.load(dir, spec, 2)) {
            batch = m.run(x, n);
            float[] one = new float[spec.inputLength()];
            System.arraycopy(x, one.length, one, 0, one.length);
            float[] single = m.run(one, 1)[0];
            // Element-wise tolerance relative to the vector's scale: fc1 sums 4,608 products of
            // values in the hundreds, in a blocking order that depends on the batch size.
            double err = InMemoryNet.relativeError(new float[][] {batch[1]}, new float[][] {single});
            assertTrue(err < Tolerances.F32, "batch of 3 vs batch of 1: relative error " + err);
        }
        MobileNetV2Test.assertNonDegenerate(batch);
        float[][] reference = InMemoryNet.run((tf, in, w) ->
                Vgg16.build(tf, in, Vgg16.structure(SIZE), w, SEED), x, n, SIZE).features();
        double err = InMemoryNet.relativeError(batch, reference);
        assertTrue(err < Tolerances.F32, "exported vs in-memory relative error " + err);
    }
}
