package dev.orchard.testing;

/** Named tolerances for numerical tests (no scattered literals). */
public final class Tolerances {
    /** Double-precision results of the same algorithm in a different order of summation. */
    public static final double F64 = 1e-9;
    /** Float32 results from the same model on the same input (TensorFlow may reorder sums). */
    public static final double F32 = 1e-5;
    /**
     * Float32 results of a deep network (MobileNetV2's 52 convolutions) for one image run in batches of
     * different sizes: oneDNN picks other kernels per batch size, and the rounding adds up layer by layer
     * (measured here: 3.3e-5 relative).
     */
    public static final double F32_DEEP = 1e-4;

    private Tolerances() {}
}
