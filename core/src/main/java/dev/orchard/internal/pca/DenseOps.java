package dev.orchard.internal.pca;

import dev.ludovic.netlib.blas.BLAS;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few dense products {@link TopEigen} needs, on column-major arrays (vector j of a d-row matrix is
 * {@code [off + j*d, off + (j+1)*d)}), through the native BLAS's {@code dgemm} when one is loaded
 * ({@link NativeLinalg}) or in cache-blocked Java; the products with C ({@link #symm}) move to the Vector API
 * kernel ({@link VectorSymm}) once it is compiled, where the JVM has it ({@link VectorProducts}) and it measures
 * faster. Thread-safe except {@link #symm}, whose choice of kernel is per instance: one solver at a time.
 */
final class DenseOps {

    /** Rows of the output kept in cache by the Java {@link #symm}: 512 × up to 64 columns ≈ 256 KiB (L2). */
    static final int ROW_TILE = 512;

    /**
     * The measured verdicts (Vector API faster or not) per dimension and other kernel, kept for the JVM's later
     * solves so that each measures with no extra product.
     */
    private static final ConcurrentHashMap<Long, Boolean> VERDICTS = new ConcurrentHashMap<>();

    private final BLAS blas;
    /** Whether {@link #symm} may use the Vector API kernel; {@code forceVector}: always, unmeasured (tests). */
    private final boolean vectorWanted;
    private final boolean forceVector;
    /** Per instance: the vector kernel's verdict once known (null: not yet), and the other path's speed. */
    private Boolean vectorFaster;
    private double otherNanosPerColumn = Double.NaN;
    private int productsBefore;
    private int vectorProducts;
    private String verdict = "";
    /** {@link #vectorSymm}'s panel buffers, kept between calls. */
    private double[] xPanels;
    private double[] yPanels;

    private DenseOps(BLAS blas, boolean vectorWanted, boolean forceVector) {
        this.blas = blas;
        this.vectorWanted = vectorWanted;
        this.forceVector = forceVector;
    }

    /**
     * On the optimized native BLAS if there is one, else in Java; the products with C on the Vector API once it
     * is warm and where it measures faster. Starts its warm-up (a daemon thread) if it can run and is cold.
     */
    static DenseOps best() {
        boolean vector = VectorProducts.available();
        if (vector) {
            VectorProducts.startWarmUp();
        }
        return new DenseOps(NativeLinalg.get().blas(), vector, false);
    }

    /** Always in Java, no Vector API (tests, benchmarks). */
    static DenseOps java() {
        return new DenseOps(null, false, false);
    }

    /** The native BLAS if there is one, else Java; no Vector API (tests, benchmarks). */
    static DenseOps withoutVector() {
        return new DenseOps(NativeLinalg.get().blas(), false, false);
    }

    /**
     * Products with C always on the Vector API kernel (warmed up first, in this thread), the rest as
     * {@link #best()}; null where it cannot run here (tests).
     */
    static DenseOps vectorOnly() {
        if (!VectorProducts.available() || !VectorProducts.warmUpNow()) {
            return null;
        }
        return new DenseOps(NativeLinalg.get().blas(), true, true);
    }

    String name() {
        return blas == null ? "java" : "blas";
    }

    /** Which kernel the products with C ran on, for the solver's detail line. */
    String productsDescription() {
        String base = name();
        if (forceVector) {
            return "vector (" + VectorProducts.lanes() + " lanes)";
        }
        if (!vectorWanted) {
            return base;
        }
        if (vectorFaster == null) {
            return base + " (" + VectorProducts.describe() + ")";
        }
        String vector = "vector (" + VectorProducts.lanes() + " lanes)";
        if (!vectorFaster) {
            return base + ", " + vector + " slower" + verdict;
        }
        return (productsBefore == 0 ? "" : base + " for " + productsBefore + " columns, then ") + vector + " for "
                + vectorProducts + verdict;
    }

    /**
     * {@code Y = A X}: A the full symmetric d × d matrix (not modified), X d × b at {@code xOff} (not modified),
     * Y d × b at {@code yOff} (overwritten).
     */
    void symm(double[] a, int d, double[] x, int xOff, int b, double[] y, int yOff) {
        if (forceVector) {
            vectorSymm(a, d, x, xOff, b, y, yOff);
            return;
        }
        if (vectorWanted && !Boolean.FALSE.equals(vectorFaster) && VectorProducts.warm()) {
            if (vectorFaster == null) {
                Boolean earlier = VERDICTS.get(verdictKey(d));
                if (earlier != null) { // measured by an earlier solve in this JVM: no second product to time
                    vectorFaster = earlier;
                    verdict = " (measured by an earlier solve)";
                    symm(a, d, x, xOff, b, y, yOff);
                    return;
                }
                // measure once against the other kernel's last product (or one now), then keep the faster
                if (Double.isNaN(otherNanosPerColumn)) {
                    timedOther(a, d, x, xOff, b, y, yOff);
                }
                long t0 = System.nanoTime();
                vectorSymm(a, d, x, xOff, b, y, yOff);
                double vectorNanos = (double) (System.nanoTime() - t0) / b;
                vectorFaster = vectorNanos < otherNanosPerColumn;
                VERDICTS.put(verdictKey(d), vectorFaster);
                verdict = String.format(java.util.Locale.ROOT, " (measured %.2f vs %.2f ms per 16 columns)",
                        vectorNanos * 16 / 1e6, otherNanosPerColumn * 16 / 1e6);
                vectorProducts += b;
                return;
            }
            vectorProducts += b;
            vectorSymm(a, d, x, xOff, b, y, yOff);
            return;
        }
        if (vectorWanted && vectorFaster == null) {
            timedOther(a, d, x, xOff, b, y, yOff);
            return;
        }
        otherSymm(a, d, x, xOff, b, y, yOff);
    }

    private long verdictKey(int d) {
        return 2L * d + (blas == null ? 0 : 1);
    }

    private void timedOther(double[] a, int d, double[] x, int xOff, int b, double[] y, int yOff) {
        long t0 = System.nanoTime();
        otherSymm(a, d, x, xOff, b, y, yOff);
        otherNanosPerColumn = (double) (System.nanoTime() - t0) / b;
        productsBefore += b;
    }

    /**
     * {@link #symm} on {@link VectorSymm}: X packed into zero-padded panels of 16 columns (row by row, so both the
     * reads of the b columns and the writes are sequential streams), Y unpacked the same way; the panel buffers are
     * kept between calls.
     */
    private void vectorSymm(double[] a, int d, double[] x, int xOff, int b, double[] y, int yOff) {
        int panel = VectorSymm.PANEL;
        int panels = (b + panel - 1) / panel;
        int len = panels * d * panel;
        if (xPanels == null || xPanels.length != len) {
            xPanels = new double[len];
            yPanels = new double[len];
        }
        double[] xp = xPanels;
        double[] yp = yPanels;
        if (b % panel != 0) {
            java.util.Arrays.fill(xp, 0.0); // the padding columns of the last panel
        }
        copyPanels(x, xOff, xp, d, b, true);
        VectorSymm.product(a, d, xp, panels, yp, VectorProducts.lanes());
        copyPanels(y, yOff, yp, d, b, false);
    }

    /**
     * Copies the b columns at {@code off} of the column-major {@code cols} into the panels {@code pan} (16 columns
     * each, row-major inside a panel) when {@code pack}, or back from them, row by row.
     */
    private static void copyPanels(double[] cols, int off, double[] pan, int d, int b, boolean pack) {
        int panel = VectorSymm.PANEL;
        for (int j0 = 0; j0 < b; j0 += panel) {
            int n = Math.min(panel, b - j0);
            int base = j0 * d; // panel j0 / 16 starts at (j0 / 16) * d * 16
            for (int l = 0; l < d; l++) {
                int o = base + l * panel;
                int c = off + j0 * d + l;
                if (pack) {
                    for (int jj = 0; jj < n; jj++) {
                        pan[o + jj] = cols[c + jj * d];
                    }
                } else {
                    for (int jj = 0; jj < n; jj++) {
                        cols[c + jj * d] = pan[o + jj];
                    }
                }
            }
        }
    }

    private void otherSymm(double[] a, int d, double[] x, int xOff, int b, double[] y, int yOff) {
        if (blas != null) {
            // As Y^T = X^T A (A symmetric) into a b × d scratch, then transposed: OpenBLAS runs this form ≈ 20 %
            // faster than A X for a narrow X (measured at d = 4096, b = 16, one thread: 19 vs 24 ms per product
            // block; b = 12 / 24 / 32: 18 vs 23, 26 vs 27, 32 vs 35), and this product is most of TopEigen's time.
            // The transpose is 2 d b doubles moved, against 2 d² b flops.
            double[] yt = new double[b * d];
            blas.dgemm("T", "N", b, d, d, 1.0, x, xOff, d, a, 0, d, 0.0, yt, 0, b);
            for (int p = 0; p < d; p++) {
                int from = p * b;
                for (int j = 0; j < b; j++) {
                    y[yOff + j * d + p] = yt[from + j];
                }
            }
            return;
        }
        for (int i0 = 0; i0 < d; i0 += ROW_TILE) {
            int i1 = Math.min(d, i0 + ROW_TILE);
            for (int j = 0; j < b; j++) {
                java.util.Arrays.fill(y, yOff + j * d + i0, yOff + j * d + i1, 0.0);
            }
            for (int l = 0; l < d; l++) {
                int ao = l * d; // column l of A (A is symmetric: column = row)
                for (int j = 0; j < b; j++) {
                    double s = x[xOff + j * d + l];
                    if (s == 0) {
                        continue;
                    }
                    int yo = yOff + j * d;
                    for (int i = i0; i < i1; i++) {
                        y[yo + i] += s * a[ao + i];
                    }
                }
            }
        }
    }

    /**
     * {@code X = X R^-1} in place: X d × n at {@code xOff}, R the n × n upper triangular, column-major (leading
     * dimension n, non-zero diagonal; the strict lower triangle is not read).
     */
    void solveUpperRight(double[] x, int xOff, int d, int n, double[] r) {
        if (n == 0) {
            return;
        }
        if (blas != null) {
            blas.dtrsm("R", "U", "N", "N", d, n, 1.0, r, 0, n, x, xOff, d);
            return;
        }
        for (int j = 0; j < n; j++) { // column j of X R^-1: (x_j - sum_{l<j} y_l r_lj) / r_jj
            int xo = xOff + j * d;
            for (int l = 0; l < j; l++) {
                double s = r[l + j * n];
                if (s == 0) {
                    continue;
                }
                int yo = xOff + l * d;
                for (int p = 0; p < d; p++) {
                    x[xo + p] -= s * x[yo + p];
                }
            }
            double inv = 1.0 / r[j + j * n];
            for (int p = 0; p < d; p++) {
                x[xo + p] *= inv;
            }
        }
    }

    /**
     * {@code H = Q^T X}: Q d × m (not modified), X d × b at {@code xOff} (not modified), H m × b with leading
     * dimension {@code ldh} at {@code hOff} (overwritten).
     */
    void atb(double[] q, int d, int m, double[] x, int xOff, int b, double[] h, int hOff, int ldh) {
        atb(q, 0, d, m, x, xOff, b, h, hOff, ldh);
    }

    /** {@link #atb(double[], int, int, double[], int, int, double[], int, int)} with Q at {@code qOff}. */
    void atb(double[] q, int qOff, int d, int m, double[] x, int xOff, int b, double[] h, int hOff, int ldh) {
        if (m == 0 || b == 0) {
            return;
        }
        if (blas != null) {
            blas.dgemm("T", "N", m, b, d, 1.0, q, qOff, d, x, xOff, d, 0.0, h, hOff, ldh);
            return;
        }
        for (int j = 0; j < b; j++) {
            int xo = xOff + j * d;
            for (int i = 0; i < m; i++) {
                int qo = qOff + i * d;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                int p = 0;
                for (; p + 3 < d; p += 4) {
                    s0 += q[qo + p] * x[xo + p];
                    s1 += q[qo + p + 1] * x[xo + p + 1];
                    s2 += q[qo + p + 2] * x[xo + p + 2];
                    s3 += q[qo + p + 3] * x[xo + p + 3];
                }
                for (; p < d; p++) {
                    s0 += q[qo + p] * x[xo + p];
                }
                h[hOff + i + j * ldh] = (s0 + s1) + (s2 + s3);
            }
        }
    }

    /**
     * {@code X = X + alpha Q H}: Q d × m (not modified), H m × b with leading dimension {@code ldh} at
     * {@code hOff} (not modified), X d × b at {@code xOff} (modified).
     */
    void addQh(double alpha, double[] q, int d, int m, double[] h, int hOff, int ldh, double[] x, int xOff, int b) {
        addQh(alpha, q, 0, d, m, h, hOff, ldh, x, xOff, b);
    }

    /** {@link #addQh(double, double[], int, int, double[], int, int, double[], int, int)} with Q at {@code qOff}. */
    void addQh(double alpha, double[] q, int qOff, int d, int m, double[] h, int hOff, int ldh, double[] x, int xOff,
               int b) {
        if (m == 0 || b == 0) {
            return;
        }
        if (blas != null) {
            blas.dgemm("N", "N", d, b, m, alpha, q, qOff, d, h, hOff, ldh, 1.0, x, xOff, d);
            return;
        }
        for (int j = 0; j < b; j++) {
            int xo = xOff + j * d;
            for (int i = 0; i < m; i++) {
                double s = alpha * h[hOff + i + j * ldh];
                if (s == 0) {
                    continue;
                }
                int qo = qOff + i * d;
                for (int p = 0; p < d; p++) {
                    x[xo + p] += s * q[qo + p];
                }
            }
        }
    }
}
