package dev.orchard.internal.pca;

/**
 * Computes the Gram matrix {@code G = X^T X} of a block of rows: the inner kernel of {@link Moments}.
 *
 * <p>Public only so that the benchmarks module can time each implementation ({@link GramKernels#open}); the
 * package is internal, not API.
 *
 * <p>Implementations may hold native resources: whoever opens one closes it, on the thread that used it.
 * Not thread-safe: one kernel per task.
 */
public interface GramKernel extends AutoCloseable {

    /**
     * <pre>G[i*d + j] = sum_r X[r*d + i] * X[r*d + j]</pre> for {@code 0 <= i <= j < d}.
     *
     * @param x    {@code rows × d} row-major block. Not modified.
     * @param rows number of rows of {@code x} that are used
     * @param d    number of columns
     * @param g    {@code d × d} row-major output; the upper triangle (j ≥ i) is overwritten, the strict lower
     *             triangle is unspecified. Modified.
     */
    void gram(double[] x, int rows, int d, double[] g);

    /** A short name for logs and benchmarks. */
    String name();

    @Override
    void close();
}
