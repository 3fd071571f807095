package dev.orchard.internal.model.arch;

import dev.orchard.internal.model.ModelMetadata;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.Preprocessing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * MobileNetV2 (Sandler et al. 2018) as {@code keras.applications.MobileNetV2(alpha=1.0,
 * include_top=False, pooling="avg")} builds it, with <b>seeded random weights, not trained</b>, and
 * batch norm folded into the convolutions (see {@link NetBuilder}).
 *
 * <pre>
 * input [-1, S, S, 3] (preprocessing mobilenet_v2: x / 127.5 - 1)
 * Conv1          ZeroPadding2D(correct_pad) + conv 3x3 stride 2, 3 → 32, BN, ReLU6
 * expanded_conv  depthwise 3x3, BN, ReLU6; project 1x1 → 16, BN
 * block_1..16    expand 1x1 → 6·in, BN, ReLU6;
 *                depthwise 3x3 stride s (stride 2: ZeroPadding2D(correct_pad) + VALID), BN, ReLU6;
 *                project 1x1 → c, BN; + input when stride 1 and in == c (inverted residual)
 *                (c, s) = (24,2) (24,1) (32,2) (32,1)x2 (64,2) (64,1)x3 (96,1)x3 (160,2) (160,1)x2 (320,1)
 * Conv_1         conv 1x1, 320 → 1280, BN, ReLU6
 * global average pool → [-1, 1280]
 * </pre>
 *
 * Keras' {@code correct_pad} pads a stride-2 3x3 convolution by (0 top, 1 bottom) on an even side
 * and (1, 1) on an odd one. That is exactly TensorFlow's SAME padding for a 3x3 stride-2
 * convolution at either parity, so the exported graph uses SAME (one op and one activation copy
 * fewer per stride-2 layer); the test builds the explicit-padding graph too and checks both agree.
 * Parameters at any input size: 2,257,984 as Keras counts them (BN's four per channel),
 * 2,206,816 exported (17,056 batch-norm channels, each folded into one bias).
 */
public final class MobileNetV2 {

    public static final String ARCH = "mobilenet_v2";
    public static final int DEFAULT_IMAGE_SIZE = 224;
    /** Smallest input Keras accepts for MobileNetV2 (five stride-2 stages: 32 → 1). */
    public static final int MIN_IMAGE_SIZE = 32;
    public static final int FEATURE_DIM = 1280;
    /** Keras' BatchNormalization epsilon in MobileNetV2. */
    public static final float BN_EPSILON = 1e-3f;

    /** The width multipliers Keras publishes ImageNet weights for. */
    public static final double[] ALPHAS = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};

    private static final int[][] BLOCKS = { // {expansion, channels, stride}, block_1 .. block_16
        {6, 24, 2}, {6, 24, 1},
        {6, 32, 2}, {6, 32, 1}, {6, 32, 1},
        {6, 64, 2}, {6, 64, 1}, {6, 64, 1}, {6, 64, 1},
        {6, 96, 1}, {6, 96, 1}, {6, 96, 1},
        {6, 160, 2}, {6, 160, 1}, {6, 160, 1},
        {6, 320, 1},
    };

    private MobileNetV2() {}

    /** One stage: its convolutions in order, and whether its input is added to its output. */
    record Block(String name, List<ConvLayer> convs, boolean residual) {}

    /** Exports the 224x224 → 1280 model. */
    public static void export(Path outputDir, long seed) throws IOException {
        export(outputDir, seed, DEFAULT_IMAGE_SIZE);
    }

    /**
     * Exports the model for square {@code imageSize} inputs.
     *
     * @param imageSize input side in pixels, in [{@value #MIN_IMAGE_SIZE}, 4096]
     * @throws IOException if the folder holds something other than a SavedModel, or writing fails
     */
    public static void export(Path outputDir, long seed, int imageSize) throws IOException {
        export(outputDir, seed, imageSize, 1.0);
    }

    /**
     * Exports the model of width multiplier {@code alpha} for square {@code imageSize} inputs.
     *
     * @param alpha one of {@link #ALPHAS}
     */
    public static void export(Path outputDir, long seed, int imageSize, double alpha) throws IOException {
        List<Block> blocks = blocks(imageSize, alpha);
        ModelMetadata meta = new ModelMetadata(ARCH, Preprocessing.MOBILENET_V2, imageSize);
        ArchExporter.export(outputDir, meta, (tf, images, weights) -> build(tf, images, blocks, weights,
                new NetBuilder.Seeded(seed), true, false));
    }

    /** Features out: 1280, or {@code _make_divisible(1280 * alpha, 8)} when alpha > 1 (Keras widens only then). */
    public static int featureDim(double alpha) {
        return alpha > 1.0 ? makeDivisible(1280 * alpha) : FEATURE_DIM;
    }

    /**
     * Keras' {@code _make_divisible(v, 8)}: the multiple of 8 nearest {@code v} (halves up), at least 8,
     * and not more than 10% below {@code v}.
     */
    static int makeDivisible(double v) {
        int divisor = 8;
        int rounded = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * v ? rounded + divisor : rounded;
    }

    /** Keras' batch norm layer name after convolution {@code conv}: {@code bn_Conv1}, {@code Conv_1_bn}, {@code X_BN}. */
    static String batchNormName(String conv) {
        return switch (conv) {
            case "Conv1" -> "bn_Conv1";
            case "Conv_1" -> "Conv_1_bn";
            default -> conv + "_BN";
        };
    }

    /** Parameter counts and FLOPs at {@code imageSize}. */
    public static ArchStats stats(int imageSize) {
        return stats(imageSize, 1.0);
    }

    /** Parameter counts and FLOPs at {@code imageSize} and width {@code alpha}. */
    public static ArchStats stats(int imageSize, double alpha) {
        long keras = 0;
        long folded = 0;
        long flops = 0;
        for (Block b : blocks(imageSize, alpha)) {
            for (ConvLayer c : b.convs()) {
                keras += c.kerasParameters();
                folded += c.foldedParameters();
                flops += c.flops();
            }
        }
        return new ArchStats(keras, folded, flops, featureDim(alpha));
    }

    /** The layer structure at {@code imageSize}, alpha 1.0. */
    static List<Block> blocks(int imageSize) {
        return blocks(imageSize, 1.0);
    }

    /**
     * The layer structure at {@code imageSize} and width multiplier {@code alpha}, as Keras builds it:
     * {@code Conv1} has {@code _make_divisible(32 alpha)} filters, each block projects to
     * {@code _make_divisible(int(c alpha))} and expands its actual input 6x, and {@code Conv_1} has
     * {@link #featureDim(double)}.
     */
    static List<Block> blocks(int imageSize, double alpha) {
        if (Arrays.stream(ALPHAS).noneMatch(a -> a == alpha)) {
            throw new IllegalArgumentException("MobileNetV2 alpha must be one of " + Arrays.toString(ALPHAS)
                    + " (the widths Keras publishes) but was " + alpha);
        }
        if (imageSize < MIN_IMAGE_SIZE || imageSize > ModelOverrides.MAX_IMAGE_SIZE) {
            throw new IllegalArgumentException("MobileNetV2 imageSize must be in [" + MIN_IMAGE_SIZE + ", "
                    + ModelOverrides.MAX_IMAGE_SIZE + "] but was " + imageSize);
        }
        List<Block> blocks = new ArrayList<>();
        int first = makeDivisible(32 * alpha);
        ConvLayer stem = new ConvLayer("Conv1", false, 3, 2, 3, first, imageSize, imageSize,
                correctPad(imageSize, imageSize), true, false, ConvLayer.Activation.RELU6);
        blocks.add(new Block("Conv1", List.of(stem), false));
        int h = stem.outH();
        int w = stem.outW();
        // block 0 ("expanded_conv"): expansion 1, so no expand layer
        int c0 = makeDivisible((int) (16 * alpha));
        ConvLayer dw0 = new ConvLayer("expanded_conv_depthwise", true, 3, 1, first, first, h, w, null, true, false,
                ConvLayer.Activation.RELU6);
        ConvLayer pr0 = new ConvLayer("expanded_conv_project", false, 1, 1, first, c0, h, w, null, true, false,
                ConvLayer.Activation.NONE);
        blocks.add(new Block("expanded_conv", List.of(dw0, pr0), first == c0));
        int in = c0;
        for (int i = 0; i < BLOCKS.length; i++) {
            int t = BLOCKS[i][0];
            int c = makeDivisible((int) (BLOCKS[i][1] * alpha));
            int s = BLOCKS[i][2];
            String name = "block_" + (i + 1);
            int mid = t * in;
            ConvLayer expand = new ConvLayer(name + "_expand", false, 1, 1, in, mid, h, w, null, true, false,
                    ConvLayer.Activation.RELU6);
            ConvLayer dw = new ConvLayer(name + "_depthwise", true, 3, s, mid, mid, h, w,
                    s == 2 ? correctPad(h, w) : null, true, false, ConvLayer.Activation.RELU6);
            ConvLayer project = new ConvLayer(name + "_project", false, 1, 1, mid, c, dw.outH(), dw.outW(), null,
                    true, false, ConvLayer.Activation.NONE);
            blocks.add(new Block(name, List.of(expand, dw, project), s == 1 && in == c));
            in = c;
            h = dw.outH();
            w = dw.outW();
        }
        ConvLayer head = new ConvLayer("Conv_1", false, 1, 1, in, featureDim(alpha), h, w, null, true, false,
                ConvLayer.Activation.RELU6);
        blocks.add(new Block("Conv_1", List.of(head), false));
        return blocks;
    }

    /**
     * Keras' {@code imagenet_utils.correct_pad(inputs, 3)}: {top, bottom, left, right} zero padding
     * before a stride-2 3x3 VALID convolution.
     */
    static int[] correctPad(int h, int w) {
        int adjustH = 1 - h % 2;
        int adjustW = 1 - w % 2;
        return new int[] {1 - adjustH, 1, 1 - adjustW, 1};
    }

    /**
     * Builds the network on {@code images}.
     *
     * @param foldBatchNorm fold batch norm (what is exported) or keep it explicit (test reference)
     * @return float32 {@code [batch, 1280]}
     */
    static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, List<Block> blocks, Weights weights, long seed,
                                   boolean foldBatchNorm) {
        return build(tf, images, blocks, weights, seed, foldBatchNorm, false);
    }

    /** As above; {@code explicitPadding} as in {@link NetBuilder}. */
    static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, List<Block> blocks, Weights weights, long seed,
                                   boolean foldBatchNorm, boolean explicitPadding) {
        return build(tf, images, blocks, weights, new NetBuilder.Seeded(seed), foldBatchNorm, explicitPadding);
    }

    /** As above, the weights from {@code source}. */
    static Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, List<Block> blocks, Weights weights,
                                   NetBuilder.WeightSource source, boolean foldBatchNorm, boolean explicitPadding) {
        NetBuilder nb = new NetBuilder(tf, weights, source, foldBatchNorm, BN_EPSILON, explicitPadding);
        Operand<TFloat32> x = images;
        for (Block b : blocks) {
            Operand<TFloat32> blockIn = x;
            for (ConvLayer c : b.convs()) {
                x = nb.conv(x, c);
            }
            if (b.residual()) {
                x = tf.withName(b.name() + "_add").math.add(blockIn, x);
            }
        }
        return tf.withName("global_average_pooling2d").math.mean(x, tf.constant(new int[] {1, 2}));
    }
}
