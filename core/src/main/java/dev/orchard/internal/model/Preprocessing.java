package dev.orchard.internal.model;

import java.util.Locale;

/**
 * How RGB pixels in [0, 255] become the model's input floats, exactly as Keras does it.
 */
public enum Preprocessing {
    /** {@code keras.applications.mobilenet_v2.preprocess_input}: {@code x / 127.5 - 1}, RGB, in [-1, 1]. */
    MOBILENET_V2,
    /** {@code keras.applications.vgg16.preprocess_input} ("caffe"): RGB to BGR, minus the ImageNet mean. */
    VGG16,
    /** {@code x / 255}, RGB, in [0, 1]. */
    UNIT;

    /** ImageNet mean, BGR order, as subtracted by Keras' caffe mode. */
    private static final float[] CAFFE_MEAN_BGR = {103.939f, 116.779f, 123.68f};

    /**
     * Writes one pixel's three model inputs at {@code out[offset..offset+2]}.
     *
     * @param r red in [0, 255]   (Not modified)
     * @param g green in [0, 255] (Not modified)
     * @param b blue in [0, 255]  (Not modified)
     * @param out destination     (Modified)
     */
    public void apply(float r, float g, float b, float[] out, int offset) {
        switch (this) {
            case MOBILENET_V2 -> {
                out[offset] = r / 127.5f - 1f;
                out[offset + 1] = g / 127.5f - 1f;
                out[offset + 2] = b / 127.5f - 1f;
            }
            case VGG16 -> {
                out[offset] = b - CAFFE_MEAN_BGR[0];
                out[offset + 1] = g - CAFFE_MEAN_BGR[1];
                out[offset + 2] = r - CAFFE_MEAN_BGR[2];
            }
            case UNIT -> {
                out[offset] = r / 255f;
                out[offset + 1] = g / 255f;
                out[offset + 2] = b / 255f;
            }
            default -> throw new AssertionError(this);
        }
    }

    /**
     * Preprocesses {@code pixels} interleaved RGB pixels in place: the same arithmetic as
     * {@link #apply}, one loop per mode (the form the resize uses on whole rows).
     *
     * @param data   RGB values in [0, 255] at {@code data[offset .. offset + 3 * pixels)} (Modified: the model
     *               inputs, in the model's channel order)
     * @param offset first value
     * @param pixels number of pixels
     */
    public void applyInPlace(float[] data, int offset, int pixels) {
        int end = offset + 3 * pixels;
        switch (this) {
            case MOBILENET_V2 -> {
                for (int i = offset; i < end; i++) {
                    data[i] = data[i] / 127.5f - 1f;
                }
            }
            case VGG16 -> {
                float meanB = CAFFE_MEAN_BGR[0];
                float meanG = CAFFE_MEAN_BGR[1];
                float meanR = CAFFE_MEAN_BGR[2];
                for (int i = offset; i < end; i += 3) {
                    float r = data[i];
                    data[i] = data[i + 2] - meanB;
                    data[i + 1] = data[i + 1] - meanG;
                    data[i + 2] = r - meanR;
                }
            }
            case UNIT -> {
                for (int i = offset; i < end; i++) {
                    data[i] = data[i] / 255f;
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    /** The flag spelling: {@code mobilenet_v2}, {@code vgg16}, {@code unit}. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the flag spelling, case-insensitively. */
    public static Preprocessing parse(String s) {
        for (Preprocessing p : values()) {
            if (p.flagName().equalsIgnoreCase(s.strip())) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown preprocessing '" + s + "': use mobilenet_v2, vgg16 or unit");
    }
}
