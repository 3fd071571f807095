package dev.orchard.internal.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.testing.Tolerances;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MobileNetV2Test {

    /** Keras' {@code MobileNetV2(include_top=False).count_params()}, any input size. */
    private static final long KERAS_NO_TOP_PARAMS = 2_257_984L;
    /** Folded vs explicit batch norm: same math in a different order, through ~50 float32 layers. */
    private static final double FOLD_RELATIVE_TOL = 1e-4;
    private static final int SIZE = 64;
    private static final long SEED = 7L;

    @TempDir
    static Path tmp;
    static Path exported;

    @BeforeAll
    static void export() throws Exception {
        exported = tmp.resolve("mnv2");
        MobileNetV2.export(exported, SEED, SIZE);
    }

    @Test
    void kerasParameterCountFromStructure() {
        for (int size : new int[] {32, 64, 97, 224}) {
            assertEquals(KERAS_NO_TOP_PARAMS, MobileNetV2.stats(size).kerasParameters(), "size " + size);
        }
        // BN channels: each BN layer adds 4 per channel in Keras, 1 (the folded bias) in Orchard.
        long bnChannels = MobileNetV2.blocks(224).stream().flatMap(b -> b.convs().stream())
                .mapToLong(ConvLayer::out).sum();
        ArchStats s = MobileNetV2.stats(224);
        assertEquals(s.kerasParameters() - 3 * bnChannels, s.exportedParameters());
        assertEquals(2_206_816L, s.exportedParameters(), "2,257,984 minus 3 x 17,056 BN channels");
        assertEquals(52, MobileNetV2.blocks(224).stream().mapToLong(b -> b.convs().size()).sum(),
                "Keras MobileNetV2 has 52 convolution layers (35 full, 17 depthwise)");
    }

    @Test
    void flopsAt224MatchThePaper() {
        // Sandler et al. report 300M multiply-adds at 224 px: 0.6 GFLOP counting 2 per multiply-add.
        long flops = MobileNetV2.stats(224).flopsPerImage();
        assertTrue(flops > 590_000_000L && flops < 620_000_000L, "flops " + flops);
    }

    @Test
    void correctPadMatchesKerasAndTfSame() {
        assertArrayEquals(new int[] {0, 1, 0, 1}, MobileNetV2.correctPad(224, 224));
        assertArrayEquals(new int[] {1, 1, 1, 1}, MobileNetV2.correctPad(97, 97));
        for (MobileNetV2.Block b : MobileNetV2.blocks(97)) {
            for (ConvLayer c : b.convs()) {
                assertTrue(c.padsEqualSame(), c.name());
            }
        }
        List<MobileNetV2.Block> blocks = MobileNetV2.blocks(224);
        assertEquals(7, blocks.get(blocks.size() - 1).convs().get(0).inH());
        assertEquals(4, MobileNetV2.blocks(97).get(blocks.size() - 1).convs().get(0).inH());
    }

    @Test
    void rejectsTooSmallInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MobileNetV2.stats(31));
        assertTrue(e.getMessage().contains("31"), e.getMessage());
    }

    @Test
    void builtGraphHoldsTheCountedParameters() {
        int size = 32;
        float[] x = InMemoryNet.randomImages(1, 1, size, -1f, 1f);
        var folded = InMemoryNet.run((tf, in, w) ->
                MobileNetV2.build(tf, in, MobileNetV2.blocks(size), w, SEED, true), x, 1, size);
        var keras = InMemoryNet.run((tf, in, w) ->
                MobileNetV2.build(tf, in, MobileNetV2.blocks(size), w, SEED, false), x, 1, size);
        assertEquals(MobileNetV2.stats(size).exportedParameters(), folded.parameters());
        assertEquals(KERAS_NO_TOP_PARAMS, keras.parameters());
    }

    @Test
    void foldedBatchNormEqualsExplicitBatchNorm() {
        int n = 3;
        float[] x = InMemoryNet.randomImages(2, n, SIZE, -1f, 1f);
        var blocks = MobileNetV2.blocks(SIZE);
        float[][] folded = InMemoryNet.run((tf, in, w) -> MobileNetV2.build(tf, in, blocks, w, SEED, true),
                x, n, SIZE).features();
        float[][] explicit = InMemoryNet.run((tf, in, w) -> MobileNetV2.build(tf, in, blocks, w, SEED, false, true),
                x, n, SIZE).features();
        assertNonDegenerate(folded);
        double err = InMemoryNet.relativeError(folded, explicit);
        assertTrue(err < FOLD_RELATIVE_TOL, "relative error " + err);
    }

    @Test
    void exportedModelResolvesAndMatchesTheInMemoryGraph() {
        ModelSpec spec = ModelPackage.fromDirectory(exported, null).spec();
        assertEquals(Preprocessing.MOBILENET_V2, spec.preprocessing());
        assertEquals(SIZE, spec.imageHeight());
        assertEquals(SIZE, spec.imageWidth());
        assertEquals(MobileNetV2.FEATURE_DIM, spec.featureDim());

        int n = 4;
        float[] x = InMemoryNet.randomImages(3, n, SIZE, -1f, 1f);
        float[][] batch;
        try (LoadedModel m = LoadedModel.load(exported, spec, 2)) {
            batch = m.run(x, n);
            assertEquals(n, batch.length);
            for (int i = 0; i < n; i++) {
                assertEquals(MobileNetV2.FEATURE_DIM, batch[i].length);
                float[] one = new float[spec.inputLength()];
                System.arraycopy(x, i * one.length, one, 0, one.length);
                float[] single = m.run(one, 1)[0];
                for (int j = 0; j < single.length; j++) {
                    assertEquals(batch[i][j], single[j], Tolerances.F32_DEEP * Math.max(1, Math.abs(single[j])),
                            "image " + i + " feature " + j);
                }
            }
        }
        assertNonDegenerate(batch);
        float[][] reference = InMemoryNet.run((tf, in, w) ->
                MobileNetV2.build(tf, in, MobileNetV2.blocks(SIZE), w, SEED, true), x, n, SIZE).features();
        double err = InMemoryNet.relativeError(batch, reference);
        assertTrue(err < Tolerances.F32, "exported vs in-memory relative error " + err);

        float[][] otherSeed = InMemoryNet.run((tf, in, w) ->
                MobileNetV2.build(tf, in, MobileNetV2.blocks(SIZE), w, SEED + 1, true), x, n, SIZE).features();
        assertTrue(InMemoryNet.relativeError(otherSeed, reference) > 0.01, "the seed must change the weights");
    }

    /** Finite, and not the same for every image or every feature (a dead network would pass otherwise). */
    static void assertNonDegenerate(float[][] f) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float[] row : f) {
            for (float v : row) {
                assertTrue(Float.isFinite(v), "non-finite feature " + v);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertTrue(max - min > 1e-3, "features span only [" + min + ", " + max + "]");
        double diffImages = 0;
        for (int j = 0; j < f[0].length; j++) {
            diffImages = Math.max(diffImages, Math.abs(f[0][j] - f[f.length - 1][j]));
        }
        assertTrue(diffImages > 1e-4, "first and last image give the same features");
    }
}
