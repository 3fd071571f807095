package dev.orchard.internal.model.arch;

import dev.orchard.internal.model.ModelMetadata;
import dev.orchard.internal.model.Preprocessing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A small CNN with <b>seeded random weights, not trained</b>: its features are only meaningful as a
 * check that the pipeline runs end to end (they still separate images by colour and texture a
 * little, as random convolutions do).
 *
 * <pre>
 * input [-1, S, S, 3] (unit preprocessing: x / 255)
 * conv 3x3 stride 2, 3 → 16, ReLU
 * conv 3x3 stride 2, 16 → 32, ReLU
 * conv 3x3 stride 2, 32 → 64, ReLU
 * conv 1x1, 64 → d, ReLU
 * global average pool → [-1, d]
 * </pre>
 *
 * Weights: He normal from {@code new Random(seed)}, biases N(0, 0.01²), drawn in layer order, so
 * the same seed gives the same weights on any JVM.
 */
public final class SampleCnn {

    public static final String ARCH = "sample_cnn";
    public static final int DEFAULT_IMAGE_SIZE = 100;
    public static final int DEFAULT_FEATURE_DIM = 128;
    private static final int[] CHANNELS = {3, 16, 32, 64};
    private static final double BIAS_STD = 0.01;

    private SampleCnn() {}

    /** Exports the 100x100 → 128 sample model. */
    public static void export(Path outputDir, long seed) throws IOException {
        export(outputDir, seed, DEFAULT_IMAGE_SIZE, DEFAULT_FEATURE_DIM);
    }

    /**
     * Exports the model for square {@code imageSize} inputs and {@code featureDim} features.
     *
     * @param imageSize  input side in pixels, in [8, 4096]
     * @param featureDim feature vector length, in [1, 65536]
     */
    public static void export(Path outputDir, long seed, int imageSize, int featureDim) throws IOException {
        if (imageSize < 8 || imageSize > 4096) {
            throw new IllegalArgumentException("imageSize must be in [8, 4096] but was " + imageSize);
        }
        if (featureDim < 1 || featureDim > 65536) {
            throw new IllegalArgumentException("featureDim must be in [1, 65536] but was " + featureDim);
        }
        ModelMetadata meta = new ModelMetadata(ARCH, Preprocessing.UNIT, imageSize);
        ModelExporter.export(outputDir, meta, (tf, images) -> build(tf, images, new Random(seed), featureDim));
    }

    private static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, Random random, int featureDim) {
        Operand<TFloat32> x = images;
        for (int i = 1; i < CHANNELS.length; i++) {
            x = conv(tf, "conv" + i, x, random, 3, CHANNELS[i - 1], CHANNELS[i], 2);
        }
        x = conv(tf, "project", x, random, 1, CHANNELS[CHANNELS.length - 1], featureDim, 1);
        return tf.withName("global_avg_pool").math.mean(x, tf.constant(new int[] {1, 2}));
    }

    /** {@code relu(conv2d(x, kernel, stride, SAME) + bias)}, kernel [k, k, in, out] (HWIO). */
    private static Operand<TFloat32> conv(Ops tf, String name, Operand<TFloat32> x, Random random,
                                          int k, int in, int out, int stride) {
        Ops scope = tf.withSubScope(name);
        Operand<TFloat32> kernel = ModelExporter.weights(scope, "kernel",
                ModelExporter.heNormal(random, k * k * in, k * k * in * out), k, k, in, out);
        Operand<TFloat32> bias = ModelExporter.weights(scope, "bias",
                ModelExporter.normal(random, BIAS_STD, out), out);
        Operand<TFloat32> y = scope.nn.conv2d(x, kernel, Arrays.asList(1L, (long) stride, (long) stride, 1L), "SAME");
        return scope.nn.relu(scope.nn.biasAdd(y, bias));
    }
}
