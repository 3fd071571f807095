package dev.orchard.internal.pca;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchard.PcaModel;
import dev.orchard.PcaOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The top-k eigensolver against the full decomposition (EJML) on the same moments: explained-variance ratios and
 * components, sign-tolerant, on well-separated spectra (relative gaps ≥ 3 %), with and without a large common
 * offset, a steep spectrum, both dense-product paths (native BLAS where present, Java), and the choice of k by
 * variance; plus the fallbacks.
 */
class TopEigenTest {

    /** Explained-variance ratios, relative. */
    static final double RATIO_REL = 1e-9;
    /** Components, entry-wise up to sign. */
    static final double COMPONENT_ABS = 1e-9;

    /** Moments of {@code PcaReference.decaying} rows, accumulated locally. */
    private static Moments moments(int n, int d, double decay, double offset, long seed) {
        Moments m = Moments.empty();
        for (double[] r : PcaReference.decaying(n, d, decay, offset, seed)) {
            m.add(r);
        }
        return m;
    }

    /** The first {@code k} pairs of {@code r} equal the full decomposition's (values relatively, vectors up to sign). */
    private static void assertLeadingPairs(Pca.Eigen full, TopEigen.Result r, int k, String what) {
        for (int j = 0; j < k; j++) {
            assertEquals(full.values()[j], r.values()[j], RATIO_REL * full.values()[j], what + " " + j);
            double[] v = r.vectors()[j].clone();
            Pca.normalizeAndOrient(v);
            double diff = PcaReference.maxDiffUpToSign(full.vectors()[j], v);
            assertTrue(diff < COMPONENT_ABS, what + ": component " + j + " differs by " + diff);
        }
    }

    private static void assertSameLeading(PcaModel full, PcaModel top, int k) {
        assertEquals(k, top.k());
        for (int j = 0; j < k; j++) {
            double ref = full.explainedVarianceRatio()[j];
            assertEquals(ref, top.explainedVarianceRatio()[j], RATIO_REL * ref, "ratio " + j);
            double diff = PcaReference.maxDiffUpToSign(full.components()[j], top.components()[j]);
            assertTrue(diff < COMPONENT_ABS, "component " + j + " differs by " + diff);
        }
        assertEquals(full.totalVariance(), top.totalVariance(), 0.0);
    }

    @ParameterizedTest(name = "n={0} d={1} decay={2} offset={3} k={4}")
    @CsvSource({
        "6000, 400, 60, 0, 30",     // relative gaps ≈ 3 %
        "6000, 400, 60, 1e6, 30",   // the same around a large common offset
        "4000, 300, 4, 5, 12",      // steep: eigenvalues fall 40 % per component, λ_12 ≈ 2e-3 λ_1
        "3000, 520, 90, 1, 64"      // k beyond one block, several blocks and restarts
    })
    void leadingPairsMatchTheFullDecomposition(int n, int d, double decay, double offset, int k) {
        Moments m = moments(n, d, decay, offset, 21 + k);
        PcaModel full = Pca.fromMoments(m, PcaOptions.fixedK(k).withEigensolver(PcaOptions.Eigensolver.EJML));
        PcaModel top = Pca.fromMoments(m, PcaOptions.fixedK(k).withEigensolver(PcaOptions.Eigensolver.TOP_K));
        assertEquals("top-k", top.fitInfo().eigensolver(), top.fitInfo().toString());
        assertTrue(top.fitInfo().fallbacks().isEmpty(), top.fitInfo().fallbacks().toString());
        assertSameLeading(full, top, k);
    }

    @Test
    void javaAndNativeProductsGiveTheSamePairs() {
        int d = 300;
        Moments m = moments(3000, d, 50, 2, 5);
        double[] cov = m.covariance();
        Pca.Eigen full = Pca.ejmlEigen(m.covariance(), d);
        DenseOps vector = DenseOps.vectorOnly();
        for (DenseOps ops : vector == null ? new DenseOps[] {DenseOps.java(), DenseOps.withoutVector()}
                : new DenseOps[] {DenseOps.java(), DenseOps.withoutVector(), vector}) {
            TopEigen.Result r;
            try {
                r = new TopEigen(cov, d, ops, Pca::smallEigen).leading(20);
            } catch (TopEigen.NotConverged e) {
                throw new AssertionError(ops.name() + ": " + e.getMessage(), e);
            }
            assertLeadingPairs(full, r, 20, ops.name());
        }
    }

    /**
     * The Vector API product with C (both kernels: 8 and 4 lanes, the same sums in the same order) against the Java
     * one, for widths that fill no panel, one, and more (zero padding), at offsets, with d not a multiple of 4;
     * then {@link DenseOps#best()} once warm: it measures and the result is the same.
     */
    @Test
    void vectorProductsEqualTheOtherPathsAndBestMeasuresThem() {
        assumeTrue(VectorProducts.available(), VectorProducts.describe());
        assertTrue(VectorProducts.warmUpNow(), VectorProducts.describe());
        Random rnd = new Random(3);
        for (int d : new int[] {37, 130}) {
            double[] c = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    double v = rnd.nextGaussian();
                    c[i * d + j] = v;
                    c[j * d + i] = v;
                }
            }
            for (int b : new int[] {1, 5, 16, 21}) {
                int off = 3 * d;
                double[] x = new double[off + b * d];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextGaussian();
                }
                double[] want = new double[off + b * d];
                DenseOps.java().symm(c, d, x, off, b, want, off);
                DenseOps vector = DenseOps.vectorOnly();
                double[] got = new double[want.length];
                vector.symm(c, d, x, off, b, got, off);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-12 * Math.sqrt(d), "d " + d + ", b " + b + ", at " + i);
                }
                // the two kernels directly, on the panels DenseOps built: bit for bit
                int panels = (b + VectorSymm.PANEL - 1) / VectorSymm.PANEL;
                double[] xp = new double[panels * d * VectorSymm.PANEL];
                for (int i = 0; i < xp.length; i++) {
                    xp[i] = rnd.nextGaussian();
                }
                double[] y8 = new double[xp.length];
                double[] y4 = new double[xp.length];
                VectorSymm.product(c, d, xp, panels, y8, 8);
                VectorSymm.product(c, d, xp, panels, y4, 4);
                assertArrayEquals(y8, y4, "d " + d + ", b " + b + ": 8 and 4 lanes");
                DenseOps best = DenseOps.best();
                double[] measured = new double[want.length];
                best.symm(c, d, x, off, b, measured, off);
                best.symm(c, d, x, off, b, measured, off);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], measured[i], 1e-12 * Math.sqrt(d), "best(), d " + d + ", b " + b);
                }
                assertTrue(best.productsDescription().contains("vector ("), best.productsDescription());
            }
        }
    }

    /** The in-place triangular solve of CholeskyQR2, both paths: {@code (X R^-1) R = X}, at an offset. */
    @Test
    void solveUpperRightUndoesARightMultiplicationOnBothPaths() {
        int d = 37;
        int n = 6;
        int off = 2 * d;
        Random rnd = new Random(11);
        double[] r = new double[n * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i <= j; i++) {
                r[i + j * n] = i == j ? 1 + rnd.nextDouble() : rnd.nextGaussian();
            }
            for (int i = j + 1; i < n; i++) {
                r[i + j * n] = 1e6; // the strict lower triangle is not read
            }
        }
        double[] x = new double[off + n * d + d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        for (DenseOps ops : new DenseOps[] {DenseOps.java(), DenseOps.best()}) {
            double[] y = x.clone();
            ops.solveUpperRight(y, off, d, n, r);
            for (int i = 0; i < off; i++) {
                assertEquals(x[i], y[i], 0.0, ops.name() + ": before the offset");
            }
            for (int i = off + n * d; i < x.length; i++) {
                assertEquals(x[i], y[i], 0.0, ops.name() + ": after the block");
            }
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < d; p++) {
                    double back = 0;
                    for (int l = 0; l <= j; l++) {
                        back += y[off + l * d + p] * r[l + j * n];
                    }
                    assertEquals(x[off + j * d + p], back, 1e-12, ops.name() + ": (X R^-1) R at " + p + ", " + j);
                }
            }
        }
    }

    @ParameterizedTest(name = "block {0}, capacity {1}")
    @CsvSource({
        "8, 0",     // narrow blocks, no restart
        "8, 90",    // thick restarts with a one-block margin above the 30 + 8 kept Ritz vectors
        "24, 110",  // wide blocks and restarts
    })
    void thickRestartsAndOtherBlockWidthsGiveTheSamePairs(int block, int capacity) {
        int d = 400;
        int k = 30;
        Moments m = moments(6000, d, 60, 0.5, 77);
        double[] cov = m.covariance();
        Pca.Eigen full = Pca.ejmlEigen(m.covariance(), d);
        TopEigen solver = new TopEigen(cov, d, DenseOps.best(), Pca::smallEigen).withBlock(block);
        if (capacity > 0) {
            solver.withCapacity(capacity);
        }
        TopEigen.Result r;
        try {
            r = solver.leading(k);
        } catch (TopEigen.NotConverged e) {
            throw new AssertionError(e.getMessage(), e);
        }
        assertEquals(capacity > 0, !r.detail().contains(" 0 restarts"), r.detail());
        assertLeadingPairs(full, r, k, r.detail());
    }

    @Test
    void aRankDeficientCovarianceWhoseKrylovSpaceRunsOutStillGivesTheLeadingPairs() {
        int d = 300;
        int k = 12;
        Moments m = moments(40, d, 30, 1, 4); // rank 39: C Q stops adding directions after a few blocks
        double[] cov = m.covariance();
        Pca.Eigen full = Pca.ejmlEigen(m.covariance(), d);
        for (int j = 0; j < k; j++) { // the comparison below needs separated eigenvalues
            assertTrue(full.values()[j] - full.values()[j + 1] > 1e-3 * full.values()[0], "gap " + j);
        }
        TopEigen.Result r;
        try {
            r = new TopEigen(cov, d, DenseOps.best(), Pca::smallEigen).withBlock(16).leading(k);
        } catch (TopEigen.NotConverged e) {
            throw new AssertionError(e.getMessage(), e);
        }
        assertLeadingPairs(full, r, k, r.detail());
    }

    @Test
    void varianceFractionPicksTheSameKAsTheFullDecomposition() {
        Moments m = moments(5000, 400, 40, 3, 8);
        for (double f : new double[] {0.3, 0.6, 0.9}) {
            PcaModel full = Pca.fromMoments(m, PcaOptions.variance(f).withEigensolver(PcaOptions.Eigensolver.EJML));
            PcaModel top = Pca.fromMoments(m, PcaOptions.variance(f).withEigensolver(PcaOptions.Eigensolver.TOP_K));
            assertEquals("top-k", top.fitInfo().eigensolver(), top.fitInfo().toString());
            assertEquals(full.k(), top.k(), "k for " + f);
            assertSameLeading(full, top, full.k());
            if (f == 0.9) { // k = 46 > 16 first wanted: the blocks widened on the way (random columns added)
                java.util.regex.Matcher block = java.util.regex.Pattern.compile("block (\\d+),")
                        .matcher(top.fitInfo().detail());
                assertTrue(block.find() && Integer.parseInt(block.group(1)) > TopEigen.MIN_BLOCK,
                        top.fitInfo().detail());
            }
        }
    }

    @Test
    void withoutNativeLinearAlgebraAVarianceFractionGivesTheSamePairs() {
        // Java products and EJML for the projected problems (all m pairs, not just the wanted ones): what runs
        // where no optimized BLAS/LAPACK is installed
        int d = 400;
        Moments m = moments(5000, d, 40, 3, 8);
        double[] cov = m.covariance();
        double total = 0;
        for (int i = 0; i < d; i++) {
            total += cov[i * d + i];
        }
        Pca.Eigen full = Pca.ejmlEigen(m.covariance(), d);
        TopEigen.Result r;
        try {
            r = new TopEigen(cov, d, DenseOps.java(), (a, n, count) -> Pca.ejmlEigen(a, n))
                    .byFraction(0.9, total, 0, d / 2);
        } catch (TopEigen.NotConverged e) {
            throw new AssertionError(e.getMessage(), e);
        }
        int k = r.values().length;
        double cum = 0;
        int fullK = 0;
        while (cum < 0.9 * total) {
            cum += full.values()[fullK++];
        }
        assertEquals(fullK, k, r.detail());
        assertLeadingPairs(full, r, k, r.detail());
    }

    @Test
    void aFlatSpectrumNeedingMostComponentsFallsBackToTheFullSolverAndSaysSo() {
        int d = 300;
        Random rnd = new Random(3);
        Moments m = Moments.empty();
        for (int r = 0; r < 2000; r++) {
            double[] row = new double[d];
            for (int i = 0; i < d; i++) {
                row[i] = rnd.nextGaussian();
            }
            m.add(row);
        }
        PcaOptions opts = PcaOptions.variance(0.99);
        PcaModel explicit = Pca.fromMoments(m, opts.withEigensolver(PcaOptions.Eigensolver.TOP_K));
        assertTrue(explicit.k() > d / 2, "k " + explicit.k());
        assertTrue(!explicit.fitInfo().eigensolver().equals("top-k"), explicit.fitInfo().toString());
        assertEquals(1, explicit.fitInfo().fallbacks().size(), explicit.fitInfo().toString());
        assertTrue(explicit.fitInfo().fallbacks().get(0).contains("TOP_K"), explicit.fitInfo().toString());
        PcaModel auto = Pca.fromMoments(m, opts);
        assertTrue(auto.fitInfo().fallbacks().isEmpty(), auto.fitInfo().toString()); // AUTO chose, did not fall back
        assertTrue(auto.fitInfo().detail().contains("full solver"), auto.fitInfo().toString());
        assertTrue(auto.fitInfo().detail().contains("effective rank"), auto.fitInfo().toString()); // decided up front
        PcaModel full = Pca.fromMoments(m, opts.withEigensolver(PcaOptions.Eigensolver.EJML));
        assertEquals(full.k(), auto.k());
        assertEquals(full.k(), explicit.k());
    }

    @Test
    void autoKeepsTopKForAVarianceFractionOfALowEffectiveRank() {
        Moments steep = moments(4000, 300, 4, 5, 12); // effective rank ≈ 8, top-k's limit for a fraction d/16 = 18
        assertTrue(Pca.effectiveRank(steep.covariance(), 300, trace(steep.covariance(), 300)) < 300 / 16.0);
        PcaModel auto = Pca.fromMoments(steep, PcaOptions.variance(0.9));
        assertEquals("top-k", auto.fitInfo().eigensolver(), auto.fitInfo().toString());
        PcaModel full = Pca.fromMoments(steep, PcaOptions.variance(0.9).withEigensolver(PcaOptions.Eigensolver.EJML));
        assertSameLeading(full, auto, full.k());
    }

    private static double trace(double[] c, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += c[i * d + i];
        }
        return t;
    }

    @Test
    void autoUsesTopKOnlyForFewComponentsOfWideMatrices() {
        Moments wide = moments(1500, 400, 30, 0, 9);
        assertEquals("top-k", Pca.fromMoments(wide, PcaOptions.fixedK(10)).fitInfo().eigensolver());
        assertTrue(!Pca.fromMoments(wide, PcaOptions.fixedK(200)).fitInfo().eigensolver().equals("top-k"));
        Moments narrow = moments(500, 40, 5, 0, 9);
        assertTrue(!Pca.fromMoments(narrow, PcaOptions.fixedK(2)).fitInfo().eigensolver().equals("top-k"));
    }
}
