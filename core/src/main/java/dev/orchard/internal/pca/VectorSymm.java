package dev.orchard.internal.pca;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code Y = C X} for a symmetric d × d C and a narrow X, on the JDK's Vector API ({@code jdk.incubator.vector}):
 * {@link TopEigen}'s products with the covariance, which a BLAS {@code dgemm} runs at about half its square-matrix
 * rate because it repacks all of C for every call (OpenBLAS at d = 4096, one thread: ≈ 9.8 ms a call plus 0.66 ms a
 * column, so 20 ms for 16 columns where 10 ms are the packing). Here C is read in place, row by row (a row of the
 * symmetric C is its column), four (512-bit lanes) or two (256-bit) rows at a time against 16 columns of X held in
 * registers: one pass over C per 16 columns, at the memory's speed.
 *
 * <p>X and Y are in <b>panels</b> of {@value #PANEL} columns, row-major inside a panel ({@code x[panel][row][16]}),
 * zero-padded: see {@link DenseOps#symm}. Only loaded when the {@code jdk.incubator.vector} module is in the boot
 * layer ({@link VectorProducts}); until C2 has compiled it, each vector operation allocates and a product is ≈ 100×
 * slower, hence the warm-up there. Stateless; thread-safe.
 */
final class VectorSymm {

    /** Columns per panel. */
    static final int PANEL = 16;

    private static final VectorSpecies<Double> S512 = DoubleVector.SPECIES_512;
    private static final VectorSpecies<Double> S256 = DoubleVector.SPECIES_256;

    private VectorSymm() {
    }

    /** Lanes of the preferred double species here (8 with AVX-512, 4 with AVX2, else fewer). */
    static int preferredLanes() {
        return DoubleVector.SPECIES_PREFERRED.length();
    }

    /**
     * {@code Y = C X}, panel by panel. {@code lanes} picks the kernel (8: four rows at a time in two 512-bit
     * vectors; 4: two rows at a time in four 256-bit ones); both give the same sums in the same order.
     *
     * @param c  the symmetric d × d matrix, row-major (= column-major); not modified
     * @param x  d × {@code 16 panels}, panel-major, not modified
     * @param y  d × {@code 16 panels}, panel-major, overwritten
     */
    static void product(double[] c, int d, double[] x, int panels, double[] y, int lanes) {
        for (int p = 0; p < panels; p++) {
            int off = p * d * PANEL;
            if (lanes == 8) {
                panel512(c, d, x, off, y);
            } else if (lanes == 4) {
                panel256(c, d, x, off, y);
            } else {
                throw new IllegalArgumentException("lanes " + lanes);
            }
        }
    }

    private static void panel512(double[] c, int d, double[] x, int off, double[] y) {
        int row = 0;
        for (; row + 3 < d; row += 4) {
            DoubleVector a0 = DoubleVector.zero(S512);
            DoubleVector a1 = a0;
            DoubleVector b0 = a0;
            DoubleVector b1 = a0;
            DoubleVector e0 = a0;
            DoubleVector e1 = a0;
            DoubleVector f0 = a0;
            DoubleVector f1 = a0;
            int r0 = row * d;
            int r1 = r0 + d;
            int r2 = r1 + d;
            int r3 = r2 + d;
            for (int l = 0; l < d; l++) {
                int xo = off + l * PANEL;
                DoubleVector x0 = DoubleVector.fromArray(S512, x, xo);
                DoubleVector x1 = DoubleVector.fromArray(S512, x, xo + 8);
                DoubleVector c0 = DoubleVector.broadcast(S512, c[r0 + l]);
                DoubleVector c1 = DoubleVector.broadcast(S512, c[r1 + l]);
                DoubleVector c2 = DoubleVector.broadcast(S512, c[r2 + l]);
                DoubleVector c3 = DoubleVector.broadcast(S512, c[r3 + l]);
                a0 = x0.fma(c0, a0);
                a1 = x1.fma(c0, a1);
                b0 = x0.fma(c1, b0);
                b1 = x1.fma(c1, b1);
                e0 = x0.fma(c2, e0);
                e1 = x1.fma(c2, e1);
                f0 = x0.fma(c3, f0);
                f1 = x1.fma(c3, f1);
            }
            int yo = off + row * PANEL;
            a0.intoArray(y, yo);
            a1.intoArray(y, yo + 8);
            b0.intoArray(y, yo + 16);
            b1.intoArray(y, yo + 24);
            e0.intoArray(y, yo + 32);
            e1.intoArray(y, yo + 40);
            f0.intoArray(y, yo + 48);
            f1.intoArray(y, yo + 56);
        }
        for (; row < d; row++) {
            DoubleVector a0 = DoubleVector.zero(S512);
            DoubleVector a1 = a0;
            int r0 = row * d;
            for (int l = 0; l < d; l++) {
                int xo = off + l * PANEL;
                DoubleVector c0 = DoubleVector.broadcast(S512, c[r0 + l]);
                a0 = DoubleVector.fromArray(S512, x, xo).fma(c0, a0);
                a1 = DoubleVector.fromArray(S512, x, xo + 8).fma(c0, a1);
            }
            int yo = off + row * PANEL;
            a0.intoArray(y, yo);
            a1.intoArray(y, yo + 8);
        }
    }

    private static void panel256(double[] c, int d, double[] x, int off, double[] y) {
        int row = 0;
        for (; row + 1 < d; row += 2) {
            DoubleVector a0 = DoubleVector.zero(S256);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            DoubleVector b0 = a0;
            DoubleVector b1 = a0;
            DoubleVector b2 = a0;
            DoubleVector b3 = a0;
            int r0 = row * d;
            int r1 = r0 + d;
            for (int l = 0; l < d; l++) {
                int xo = off + l * PANEL;
                DoubleVector x0 = DoubleVector.fromArray(S256, x, xo);
                DoubleVector x1 = DoubleVector.fromArray(S256, x, xo + 4);
                DoubleVector x2 = DoubleVector.fromArray(S256, x, xo + 8);
                DoubleVector x3 = DoubleVector.fromArray(S256, x, xo + 12);
                DoubleVector c0 = DoubleVector.broadcast(S256, c[r0 + l]);
                DoubleVector c1 = DoubleVector.broadcast(S256, c[r1 + l]);
                a0 = x0.fma(c0, a0);
                a1 = x1.fma(c0, a1);
                a2 = x2.fma(c0, a2);
                a3 = x3.fma(c0, a3);
                b0 = x0.fma(c1, b0);
                b1 = x1.fma(c1, b1);
                b2 = x2.fma(c1, b2);
                b3 = x3.fma(c1, b3);
            }
            int yo = off + row * PANEL;
            a0.intoArray(y, yo);
            a1.intoArray(y, yo + 4);
            a2.intoArray(y, yo + 8);
            a3.intoArray(y, yo + 12);
            b0.intoArray(y, yo + 16);
            b1.intoArray(y, yo + 20);
            b2.intoArray(y, yo + 24);
            b3.intoArray(y, yo + 28);
        }
        for (; row < d; row++) {
            DoubleVector a0 = DoubleVector.zero(S256);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            int r0 = row * d;
            for (int l = 0; l < d; l++) {
                int xo = off + l * PANEL;
                DoubleVector c0 = DoubleVector.broadcast(S256, c[r0 + l]);
                a0 = DoubleVector.fromArray(S256, x, xo).fma(c0, a0);
                a1 = DoubleVector.fromArray(S256, x, xo + 4).fma(c0, a1);
                a2 = DoubleVector.fromArray(S256, x, xo + 8).fma(c0, a2);
                a3 = DoubleVector.fromArray(S256, x, xo + 12).fma(c0, a3);
            }
            int yo = off + row * PANEL;
            a0.intoArray(y, yo);
            a1.intoArray(y, yo + 4);
            a2.intoArray(y, yo + 8);
            a3.intoArray(y, yo + 12);
        }
    }
}
