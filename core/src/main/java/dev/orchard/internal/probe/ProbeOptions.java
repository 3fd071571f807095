package dev.orchard.internal.probe;

/**
 * Settings of the linear probe.
 *
 * @param seed          seed of the stratified train/test split
 * @param testFraction  fraction of every class held out for scoring, in {@code (0, 1)}
 * @param l2            L2 penalty {@code λ} on the weights (not the biases), {@code >= 0}
 * @param maxIterations most L-BFGS iterations (each one or more Spark jobs), {@code >= 1}
 * @param tolerance     stop when {@code ||∇f||∞ <= tolerance · max(1, |f|)}, {@code > 0}
 */
public record ProbeOptions(long seed, double testFraction, double l2, int maxIterations, double tolerance) {

    /** Default held-out fraction: a quarter of every class. */
    public static final double DEFAULT_TEST_FRACTION = 0.25;
    /** Default L2 penalty: small, so that separable (high-dimensional) data still has a finite optimum. */
    public static final double DEFAULT_L2 = 1e-3;
    /** Default iteration cap. */
    public static final int DEFAULT_MAX_ITERATIONS = 100;
    /** Default gradient tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-5;

    public ProbeOptions {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be in (0, 1) but was " + testFraction);
        }
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("l2 must be finite and >= 0 but was " + l2);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1 but was " + maxIterations);
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("tolerance must be > 0 but was " + tolerance);
        }
    }

    /** Seed 42, a quarter held out, {@link #DEFAULT_L2}, {@link #DEFAULT_MAX_ITERATIONS}. */
    public static ProbeOptions defaults() {
        return new ProbeOptions(42, DEFAULT_TEST_FRACTION, DEFAULT_L2, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE);
    }

    public ProbeOptions withSeed(long s) {
        return new ProbeOptions(s, testFraction, l2, maxIterations, tolerance);
    }

    public ProbeOptions withMaxIterations(int n) {
        return new ProbeOptions(seed, testFraction, l2, n, tolerance);
    }

    public ProbeOptions withL2(double lambda) {
        return new ProbeOptions(seed, testFraction, lambda, maxIterations, tolerance);
    }
}
