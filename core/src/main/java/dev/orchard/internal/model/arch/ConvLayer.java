package dev.orchard.internal.model.arch;

/**
 * One convolution of a network's structure, with everything needed to count it and to build it.
 * Output size follows TensorFlow: {@code SAME} gives {@code ceil(in / stride)}; explicit padding
 * (Keras {@code ZeroPadding2D} then {@code padding="valid"}) gives
 * {@code floor((in + pads - k) / stride) + 1}.
 *
 * @param name       Keras layer name, e.g. {@code block_3_depthwise}
 * @param depthwise  depthwise (one k x k filter per channel, {@code out == in}) or a full convolution
 * @param k          kernel side
 * @param stride     stride in both directions
 * @param in         input channels
 * @param out        output channels
 * @param inH        input height
 * @param inW        input width
 * @param pads       explicit zero padding {top, bottom, left, right} before a VALID convolution, or
 *                   {@code null} for SAME padding
 * @param batchNorm  followed by batch normalization (Keras: {@code use_bias=False} then
 *                   {@code BatchNormalization})
 * @param bias       has its own bias (VGG16)
 * @param activation what follows
 */
record ConvLayer(String name, boolean depthwise, int k, int stride, int in, int out, int inH, int inW,
                 int[] pads, boolean batchNorm, boolean bias, Activation activation) {

    enum Activation { NONE, RELU, RELU6 }

    ConvLayer {
        if (depthwise && in != out) {
            throw new IllegalArgumentException("depthwise layer " + name + " must keep its channels: " + in + " -> " + out);
        }
    }

    int outH() {
        return pads == null ? ceilDiv(inH, stride) : (inH + pads[0] + pads[1] - k) / stride + 1;
    }

    int outW() {
        return pads == null ? ceilDiv(inW, stride) : (inW + pads[2] + pads[3] - k) / stride + 1;
    }

    /**
     * Whether the explicit {@link #pads()} are exactly what TensorFlow's SAME padding adds: total
     * {@code max((out - 1) * stride + k - in, 0)} per axis, the smaller half before.
     */
    boolean padsEqualSame() {
        if (pads == null) {
            return true;
        }
        int[] same = samePads();
        return java.util.Arrays.equals(pads, same);
    }

    private int[] samePads() {
        int totalH = Math.max((ceilDiv(inH, stride) - 1) * stride + k - inH, 0);
        int totalW = Math.max((ceilDiv(inW, stride) - 1) * stride + k - inW, 0);
        return new int[] {totalH / 2, totalH - totalH / 2, totalW / 2, totalW - totalW / 2};
    }

    /** Kernel floats: k*k*in*out, or k*k*in for a depthwise layer. */
    long kernelSize() {
        return depthwise ? (long) k * k * in : (long) k * k * in * out;
    }

    long kerasParameters() {
        return kernelSize() + (bias ? out : 0) + (batchNorm ? 4L * out : 0);
    }

    long foldedParameters() {
        return kernelSize() + (bias || batchNorm ? out : 0);
    }

    long flops() {
        return 2L * kernelSize() * outH() * outW();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
