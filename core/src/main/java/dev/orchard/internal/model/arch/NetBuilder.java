package dev.orchard.internal.model.arch;

import java.util.Arrays;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Turns {@link ConvLayer}s into TensorFlow ops with seeded weights. Shared by the architectures.
 *
 * <p><b>Random draws, in layer order:</b> kernel (He normal, fan-in {@code k*k*in}, or {@code k*k}
 * for depthwise), then bias N(0, 0.01²) if the layer has one, then batch norm's gamma
 * U[0.5, 1.5), beta N(0, 0.1²), moving mean N(0, 0.1²), moving variance U[0.5, 1.5). The same seed
 * gives the same network folded or not, on any JVM.
 *
 * <p><b>Batch norm folding.</b> Inference batch norm is {@code y = gamma (x - mean) / sqrt(var + eps)
 * + beta}, an affine map per output channel {@code c}. With {@code s_c = gamma_c / sqrt(var_c + eps)}
 * it folds into the preceding convolution: {@code kernel'[.., c] = kernel[.., c] * s_c} and
 * {@code bias_c = beta_c - mean_c * s_c}, computed in double and rounded once to float. The folded
 * graph is one convolution plus a {@code BiasAdd} (which oneDNN fuses) instead of a separate
 * {@code FusedBatchNorm} per layer.
 */
final class NetBuilder {

    static final double BIAS_STD = 0.01;
    static final double BN_STD = 0.1;

    private final Ops tf;
    private final Weights weights;
    private final WeightSource source;
    private final boolean foldBatchNorm;
    private final float epsilon;
    private final boolean explicitPadding;

    /**
     * @param foldBatchNorm   fold batch norm into the convolutions (what Orchard exports), or keep
     *                        an explicit {@code FusedBatchNorm} (the reference the fold is tested against)
     * @param epsilon         batch norm epsilon (Keras MobileNetV2: 1e-3)
     * @param explicitPadding always build Keras' {@code ZeroPadding2D} as a {@code Pad} op; otherwise a
     *                        layer whose explicit padding equals TensorFlow's SAME padding (true of
     *                        {@code correct_pad} before every 3x3 stride-2 convolution, at any size) uses
     *                        SAME, which saves a copy of the activations per such layer
     */
    NetBuilder(Ops tf, Weights weights, long seed, boolean foldBatchNorm, float epsilon, boolean explicitPadding) {
        this(tf, weights, new Seeded(seed), foldBatchNorm, epsilon, explicitPadding);
    }

    /** As above, the weights taken from {@code source} (seeded, or imported from a file). */
    NetBuilder(Ops tf, Weights weights, WeightSource source, boolean foldBatchNorm, float epsilon,
               boolean explicitPadding) {
        this.tf = tf;
        this.weights = weights;
        this.source = source;
        this.foldBatchNorm = foldBatchNorm;
        this.epsilon = epsilon;
        this.explicitPadding = explicitPadding;
    }

    /** Applies one convolution layer, with its padding, bias or batch norm, and activation. */
    Operand<TFloat32> conv(Operand<TFloat32> x, ConvLayer layer) {
        Ops s = tf.withSubScope(layer.name());
        float[] kernel = source.kernel(layer);
        float[] bias = layer.bias() ? source.bias(layer) : null;
        long[] kernelShape = layer.depthwise()
                ? new long[] {layer.k(), layer.k(), layer.in(), 1}
                : new long[] {layer.k(), layer.k(), layer.in(), layer.out()};
        Operand<TFloat32> y = x;
        boolean pad = layer.pads() != null && (explicitPadding || !layer.padsEqualSame());
        if (pad) {
            int[] p = layer.pads();
            y = s.withName("pad").pad(y, s.constant(new int[][] {{0, 0}, {p[0], p[1]}, {p[2], p[3]}, {0, 0}}),
                    s.constant(0f));
        }
        String padding = pad ? "VALID" : "SAME";
        if (layer.batchNorm()) {
            float[][] bn = source.batchNorm(layer);
            float[] gamma = bn[0];
            float[] beta = bn[1];
            float[] mean = bn[2];
            float[] var = bn[3];
            if (foldBatchNorm) {
                bias = fold(kernel, layer.out(), gamma, beta, mean, var, epsilon);
                y = convOp(s, y, weights.create(s, "kernel", kernel, kernelShape), layer, padding);
            } else {
                y = convOp(s, y, weights.create(s, "kernel", kernel, kernelShape), layer, padding);
                y = s.withName("bn").nn.fusedBatchNorm(y,
                        weights.create(s, "gamma", gamma, layer.out()),
                        weights.create(s, "beta", beta, layer.out()),
                        weights.create(s, "moving_mean", mean, layer.out()),
                        weights.create(s, "moving_variance", var, layer.out()),
                        FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.isTraining(false)).y();
            }
        } else {
            y = convOp(s, y, weights.create(s, "kernel", kernel, kernelShape), layer, padding);
        }
        if (bias != null) {
            y = s.nn.biasAdd(y, weights.create(s, "bias", bias, layer.out()));
        }
        return switch (layer.activation()) {
            case NONE -> y;
            case RELU -> s.nn.relu(y);
            case RELU6 -> s.nn.relu6(y);
        };
    }

    /**
     * A dense layer on {@code [batch, in]}: {@code layer} must be a 1x1 convolution on a 1x1 input
     * with a bias, whose kernel {@code [1, 1, in, out]} is the same floats as a {@code [in, out]}
     * matrix.
     */
    Operand<TFloat32> dense(Operand<TFloat32> x, ConvLayer layer) {
        if (layer.k() != 1 || layer.inH() != 1 || layer.inW() != 1 || layer.batchNorm() || !layer.bias()) {
            throw new IllegalArgumentException("dense layer " + layer.name() + " must be 1x1 on 1x1 with a bias");
        }
        Ops s = tf.withSubScope(layer.name());
        float[] kernel = source.kernel(layer);
        Operand<TFloat32> k = weights.create(s, "kernel", kernel, layer.in(), layer.out());
        kernel = null; // let the (possibly 411 MB) array go before drawing the bias
        float[] bias = source.bias(layer);
        Operand<TFloat32> y = s.nn.biasAdd(s.linalg.matMul(x, k), weights.create(s, "bias", bias, layer.out()));
        return layer.activation() == ConvLayer.Activation.RELU ? s.nn.relu(y) : y;
    }

    private static Operand<TFloat32> convOp(Ops s, Operand<TFloat32> x, Operand<TFloat32> kernel, ConvLayer layer,
                                            String padding) {
        var strides = Arrays.asList(1L, (long) layer.stride(), (long) layer.stride(), 1L);
        return layer.depthwise()
                ? s.nn.depthwiseConv2dNative(x, kernel, strides, padding)
                : s.nn.conv2d(x, kernel, strides, padding);
    }

    /**
     * Folds inference batch norm into a kernel whose last axis is the output channel.
     *
     * @param kernel row-major kernel, output channel fastest (Modified: scaled by s_c)
     * @return the folded bias {@code beta_c - mean_c * s_c}
     */
    static float[] fold(float[] kernel, int channels, float[] gamma, float[] beta, float[] mean, float[] var,
                        float epsilon) {
        double[] scale = new double[channels];
        float[] bias = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = gamma[c] / Math.sqrt((double) var[c] + epsilon);
            bias[c] = (float) (beta[c] - mean[c] * scale[c]);
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = (float) (kernel[i] * scale[i % channels]);
        }
        return bias;
    }

    /**
     * Where a layer's weights come from, asked in the order kernel, bias (if the layer has one), batch norm.
     * Shapes: kernel {@code [k, k, in, out]} ({@code [k, k, in, 1]} depthwise, {@code [in, out]} for a dense
     * layer), bias and each batch norm array {@code [out]}.
     */
    interface WeightSource {
        float[] kernel(ConvLayer layer);

        float[] bias(ConvLayer layer);

        /** {gamma, beta, moving mean, moving variance}. */
        float[][] batchNorm(ConvLayer layer);
    }

    /** Seeded random weights, drawn as the class comment says. */
    static final class Seeded implements WeightSource {
        private final Random random;

        Seeded(long seed) {
            this.random = new Random(seed);
        }

        @Override
        public float[] kernel(ConvLayer layer) {
            int fanIn = layer.depthwise() ? layer.k() * layer.k() : layer.k() * layer.k() * layer.in();
            return ModelExporter.heNormal(random, fanIn, Math.toIntExact(layer.kernelSize()));
        }

        @Override
        public float[] bias(ConvLayer layer) {
            return ModelExporter.normal(random, BIAS_STD, layer.out());
        }

        @Override
        public float[][] batchNorm(ConvLayer layer) {
            float[] gamma = uniform(0.5, 1.5, layer.out());
            float[] beta = ModelExporter.normal(random, BN_STD, layer.out());
            float[] mean = ModelExporter.normal(random, BN_STD, layer.out());
            float[] var = uniform(0.5, 1.5, layer.out());
            return new float[][] {gamma, beta, mean, var};
        }

        private float[] uniform(double lo, double hi, int count) {
            float[] v = new float[count];
            for (int i = 0; i < count; i++) {
                v[i] = (float) (lo + (hi - lo) * random.nextDouble());
            }
            return v;
        }
    }
}
