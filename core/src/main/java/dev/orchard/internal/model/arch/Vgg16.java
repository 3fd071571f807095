package dev.orchard.internal.model.arch;

import dev.orchard.internal.model.ModelMetadata;
import dev.orchard.internal.model.Preprocessing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * VGG16 (Simonyan and Zisserman 2014) up to {@code fc2}, as {@code keras.applications.VGG16(include_top=True)}
 * builds it without its {@code predictions} layer, with <b>seeded random weights, not trained</b>.
 *
 * <pre>
 * input [-1, S, S, 3] (preprocessing vgg16: RGB → BGR, minus the ImageNet mean)
 * block1..5   n x (conv 3x3 SAME + bias, ReLU), then max pool 2x2 stride 2
 *             (n, channels) = (2, 64) (2, 128) (3, 256) (3, 512) (3, 512)
 * flatten     [-1, (S/32)² · 512]   (row-major H, W, C, like Keras' Flatten on NHWC)
 * fc1         dense → 4096, ReLU
 * fc2         dense → 4096, ReLU   → features [-1, 4096]
 * </pre>
 *
 * At 224 px: 134,260,544 parameters (no batch norm, so Keras' count and the exported one agree),
 * 537 MB of float32 weights. Keras fixes the input at 224 when the top is included; Orchard allows
 * other sizes (fc1 grows as {@code (S/32)²}), e.g. 32 px for fast tests.
 */
public final class Vgg16 {

    public static final String ARCH = "vgg16";
    public static final int DEFAULT_IMAGE_SIZE = 224;
    public static final int MIN_IMAGE_SIZE = 32;
    /**
     * Largest input: fc1's kernel must fit one Java array, and the model one
     * {@code ModelPackage} (1 GiB); at 320 px the weights are 965 MB.
     */
    public static final int MAX_IMAGE_SIZE = 320;
    public static final int FEATURE_DIM = 4096;
    /** Features without the classifier ({@code include_top=False, pooling="avg"}): block5's channels. */
    public static final int NO_TOP_FEATURE_DIM = 512;

    private static final int[][] BLOCKS = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}}; // {convs, channels}

    private Vgg16() {}

    /** The layer structure: the convolutions by block, then fc1 and fc2 as 1x1 layers on 1x1 inputs. */
    record Structure(List<List<ConvLayer>> blocks, List<ConvLayer> dense) {}

    /** Exports the 224x224 → 4096 model (537 MB written to {@code outputDir}). */
    public static void export(Path outputDir, long seed) throws IOException {
        export(outputDir, seed, DEFAULT_IMAGE_SIZE);
    }

    /**
     * Exports the model for square {@code imageSize} inputs. Holds at most one layer's weights on
     * the Java heap at a time (fc1: 411 MB at 224 px).
     *
     * @param imageSize input side in pixels, in [{@value #MIN_IMAGE_SIZE}, {@value #MAX_IMAGE_SIZE}]
     * @throws IOException if the folder holds something other than a SavedModel, or writing fails
     */
    public static void export(Path outputDir, long seed, int imageSize) throws IOException {
        Structure s = structure(imageSize);
        ModelMetadata meta = new ModelMetadata(ARCH, Preprocessing.VGG16, imageSize);
        ArchExporter.export(outputDir, meta, (tf, images, weights) -> build(tf, images, s, weights, seed));
    }

    /** Parameter counts and FLOPs at {@code imageSize}. */
    public static ArchStats stats(int imageSize) {
        Structure s = structure(imageSize);
        long params = 0;
        long flops = 0;
        List<ConvLayer> all = new ArrayList<>(s.dense());
        s.blocks().forEach(all::addAll);
        for (ConvLayer c : all) {
            params += c.kerasParameters();
            flops += c.flops();
        }
        return new ArchStats(params, params, flops, FEATURE_DIM);
    }

    static Structure structure(int imageSize) {
        return structure(imageSize, true);
    }

    /**
     * The layer structure; without {@code top}, as {@code VGG16(include_top=False, pooling="avg")}: the
     * convolutions, then a global average pool of {@code block5_pool} (512 features), no fc layers.
     */
    static Structure structure(int imageSize, boolean top) {
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            throw new IllegalArgumentException("VGG16 imageSize must be in [" + MIN_IMAGE_SIZE + ", "
                    + MAX_IMAGE_SIZE + "] but was " + imageSize);
        }
        List<List<ConvLayer>> blocks = new ArrayList<>();
        int size = imageSize;
        int in = 3;
        for (int b = 0; b < BLOCKS.length; b++) {
            List<ConvLayer> convs = new ArrayList<>();
            for (int i = 0; i < BLOCKS[b][0]; i++) {
                convs.add(new ConvLayer("block" + (b + 1) + "_conv" + (i + 1), false, 3, 1, in, BLOCKS[b][1],
                        size, size, null, false, true, ConvLayer.Activation.RELU));
                in = BLOCKS[b][1];
            }
            blocks.add(convs);
            size /= 2; // max pool 2x2 stride 2, VALID
        }
        if (!top) {
            return new Structure(blocks, List.of());
        }
        int flat = size * size * in;
        List<ConvLayer> dense = List.of(
                new ConvLayer("fc1", false, 1, 1, flat, FEATURE_DIM, 1, 1, null, false, true, ConvLayer.Activation.RELU),
                new ConvLayer("fc2", false, 1, 1, FEATURE_DIM, FEATURE_DIM, 1, 1, null, false, true,
                        ConvLayer.Activation.RELU));
        return new Structure(blocks, dense);
    }

    /** Builds the network on {@code images}: float32 {@code [batch, 4096]}. */
    static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, Structure s, Weights weights, long seed) {
        return build(tf, images, s, weights, new NetBuilder.Seeded(seed));
    }

    /** As above, the weights from {@code source}; {@code [batch, 512]} for a structure without fc layers. */
    static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, Structure s, Weights weights,
                                   NetBuilder.WeightSource source) {
        NetBuilder nb = new NetBuilder(tf, weights, source, true, 0f, false);
        Operand<TFloat32> x = images;
        for (int b = 0; b < s.blocks().size(); b++) {
            for (ConvLayer c : s.blocks().get(b)) {
                x = nb.conv(x, c);
            }
            x = tf.withName("block" + (b + 1) + "_pool").nn.maxPool(x,
                    tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
        }
        if (s.dense().isEmpty()) {
            return tf.withName("global_average_pooling2d").math.mean(x, tf.constant(new int[] {1, 2}));
        }
        x = tf.withName("flatten").reshape(x, tf.constant(new int[] {-1, Math.toIntExact(s.dense().get(0).in())}));
        for (ConvLayer d : s.dense()) {
            x = nb.dense(x, d);
        }
        return x;
    }
}
