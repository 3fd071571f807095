package dev.orchard.testing;

/** Named tolerances for numerical tests (no scattered literals). */
public final class Tolerances {
    /** Double-precision results of the same algorithm in a different order of summation. */
    public static final double F64 = 1e-9;
    /** Float32 results from the same model on the same input (TensorFlow may reorder sums). */
    public static final double F32 = 1e-5;

    private Tolerances() {}
}
