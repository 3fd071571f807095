package dev.orchard.internal.pca;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Gram kernel on the native BLAS's {@code dsyrk} (OpenBLAS: a packed, register-blocked rank-k update of one
 * triangle, ≈ 20 GFLOP/s per core on the 2-core AVX2 development machine, against ≈ 4 for {@link JavaGramKernel}
 * and ≈ 7 useful for {@link TensorFlowGramKernel}, which computes the full square). Holds no resources of its own:
 * the library is loaded once per JVM ({@link NativeLinalg}). Not thread-safe in the sense of {@link GramKernel}
 * (one per task); concurrent tasks may each hold one.
 */
final class BlasGramKernel implements GramKernel {

    private final BLAS blas;
    private final String name;

    private BlasGramKernel(BLAS blas, String name) {
        this.blas = blas;
        this.name = name;
    }

    /**
     * The kernel on this JVM's optimized native BLAS.
     *
     * @throws UnsupportedOperationException when there is none (its message says why)
     */
    static BlasGramKernel open() {
        NativeLinalg nl = NativeLinalg.get();
        if (nl.blas() == null) {
            throw new UnsupportedOperationException(nl.describe());
        }
        return new BlasGramKernel(nl.blas(), "blas");
    }

    @Override
    public void gram(double[] x, int rows, int d, double[] g) {
        // Column-major view: x is the d × rows matrix A = X^T (lda = d); A A^T's lower triangle (column-major) is
        // the row-major upper triangle the contract asks for.
        blas.dsyrk("L", "N", d, rows, 1.0, x, d, 0.0, g, d);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        // the library stays loaded for the JVM
    }
}
