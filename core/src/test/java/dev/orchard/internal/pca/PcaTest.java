package dev.orchard.internal.pca;

import dev.orchard.PcaOptions;
import dev.orchard.PcaModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import dev.orchard.testing.SparkTestSupport;
import dev.orchard.testing.Tolerances;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PcaTest {

    /** Eigenvalues: relative to the reference, double precision, different summation order. */
    static final double EIGENVALUE_REL = Tolerances.F64;
    /** Components: entry-wise, up to sign (the 1e-6). */
    static final double COMPONENT_ABS = 1e-6;
    /** Co-moments: max entry error relative to the largest entry. */
    static final double MOMENT_REL = Tolerances.F64;

    private static final JavaSparkContext SC = SparkTestSupport.sc();

    private static JavaRDD<double[]> rdd(double[][] x, int partitions) {
        return SC.parallelize(Arrays.asList(x), partitions);
    }

    @ParameterizedTest
    @EnumSource(value = PcaOptions.Eigensolver.class, names = {"EJML", "TENSORFLOW", "LAPACK", "TOP_K"})
    void agreesWithJacobiReferenceOnDecayingSpectrum(PcaOptions.Eigensolver eigensolver) {
        int n = 20_000;
        int d = 256;
        double[][] x = PcaReference.decaying(n, d, 40, 100, 11);
        PcaModel model = Pca.fit(rdd(x, 4), PcaOptions.fixedK(d).withEigensolver(eigensolver));
        String expected = eigensolver == PcaOptions.Eigensolver.LAPACK && NativeLinalg.get().lapack() == null
                ? "ejml" : eigensolver.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        assertEquals(expected, model.fitInfo().eigensolver(), model.fitInfo().toString());
        double[][] cov = PcaReference.covariance(x);
        Pca.Eigen ref = PcaReference.jacobi(cov);
        assertEquals(d, model.k());
        double[] ev = model.eigenvalues();
        for (int j = 0; j < d; j++) {
            assertEquals(ref.values()[j], ev[j], EIGENVALUE_REL * ref.values()[j], "eigenvalue " + j);
        }
        double[][] c = model.components();
        int checked = 40; // leading components: spectral gaps >= 2.5%, so they are well-conditioned
        for (int j = 0; j < checked; j++) {
            assertTrue(PcaReference.maxDiffUpToSign(c[j], ref.vectors()[j]) < COMPONENT_ABS, "component " + j);
        }
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += cov[i][i];
        }
        assertEquals(trace, model.totalVariance(), EIGENVALUE_REL * trace);
        assertArrayEquals(PcaReference.mean(x), model.mean(), 1e-12 * 100);
    }

    @Test
    void agreesWithTwoPassReferenceOnCnnShapedFeatures() {
        int n = 2_500; // CNN-shaped d; n kept small so the plain reference stays fast
        int d = 1280;
        double[][] x = PcaReference.decaying(n, d, 200, 0.5, 12);
        Moments m = Pca.moments(rdd(x, 3));
        // reference: two passes (mean, then centred product) with EJML's A^T A
        double[] mu = PcaReference.mean(x);
        DMatrixRMaj centred = new DMatrixRMaj(n, d);
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                centred.data[r * d + i] = x[r][i] - mu[i];
            }
        }
        DMatrixRMaj ref = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multInner(centred, ref);
        double err = 0;
        double scale = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                err = Math.max(err, Math.abs(m.coMoment(i, j) - ref.get(i, j)));
                scale = Math.max(scale, Math.abs(ref.get(i, j)));
            }
        }
        assertTrue(err / scale < MOMENT_REL, "co-moment relative error " + err / scale);
        assertEquals(n, m.count());

        PcaModel model = Pca.fromMoments(m, PcaOptions.fixedK(50));
        CommonOps_DDRM.scale(1.0 / (n - 1), ref);
        Pca.Eigen refEig = Pca.symmetricEigen(ref.data, d);
        double[][] comps = model.components();
        double[] values = model.eigenvalues();
        for (int j = 0; j < 50; j++) {
            assertEquals(refEig.values()[j], values[j], EIGENVALUE_REL * refEig.values()[j]);
            assertTrue(PcaReference.maxDiffUpToSign(comps[j], refEig.vectors()[j]) < COMPONENT_ABS);
        }
    }

    @Test
    void floatRowsMatchDoubleRowsOfTheSameValues() {
        double[][] x = PcaReference.decaying(3_000, 96, 10, 1e6, 3);
        float[][] f = new float[x.length][];
        double[][] widened = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            f[r] = new float[x[r].length];
            widened[r] = new double[x[r].length];
            for (int i = 0; i < f[r].length; i++) {
                f[r][i] = (float) x[r][i];
                widened[r][i] = f[r][i];
            }
        }
        Moments mf = Pca.momentsFloat(SC.parallelize(Arrays.asList(f), 3));
        double[][] ref = PcaReference.coMoment(widened);
        assertTrue(PcaReference.relativeMaxError(PcaReference.coMoment(mf), ref) < MOMENT_REL);
    }

    @Test
    void varianceFractionPicksSmallestK() {
        double[][] x = PcaReference.decaying(2_000, 40, 5, 0, 4);
        PcaModel full = Pca.fit(rdd(x, 2), PcaOptions.fixedK(40));
        double[] ratio = full.explainedVarianceRatio();
        for (double target : new double[] {0.5, 0.9, 0.95, 0.999, 1.0}) {
            PcaModel m = Pca.fit(rdd(x, 2), PcaOptions.variance(target));
            double cum = 0;
            int expected = 40;
            for (int j = 0; j < 40; j++) {
                cum += ratio[j];
                if (cum >= target - Pca.FRACTION_SLACK) {
                    expected = j + 1;
                    break;
                }
            }
            assertEquals(expected, m.k(), "k for " + target);
            double reached = Arrays.stream(m.explainedVarianceRatio()).sum();
            assertTrue(reached >= target - Pca.FRACTION_SLACK);
            if (m.k() > 1) {
                assertTrue(reached - m.explainedVarianceRatio()[m.k() - 1] < target);
            }
        }
    }

    @Test
    void standardizeUsesCorrelationAndKeepsConstantFeaturesAtScaleOne() {
        double[][] x = PcaReference.decaying(1_500, 12, 3, 50, 5);
        for (double[] r : x) {
            r[3] *= 1000; // very different scales
            r[7] = 42.0;  // constant feature
        }
        PcaModel m = Pca.fit(rdd(x, 3), PcaOptions.fixedK(11).withStandardize(true));
        double[][] cov = PcaReference.covariance(x);
        double[] scale = m.scale();
        assertEquals(1.0, scale[7]);
        for (int i = 0; i < 12; i++) {
            if (i != 7) {
                assertEquals(Math.sqrt(cov[i][i]), scale[i], 1e-10 * scale[i]);
            }
        }
        assertEquals(11.0, m.totalVariance(), 1e-9); // 11 unit-variance features, one constant
        double[][] corr = new double[12][12];
        for (int i = 0; i < 12; i++) {
            for (int j = 0; j < 12; j++) {
                corr[i][j] = cov[i][j] / (scale[i] * scale[j]);
            }
        }
        Pca.Eigen ref = PcaReference.jacobi(corr);
        for (int j = 0; j < 11; j++) {
            assertEquals(ref.values()[j], m.eigenvalues()[j], 1e-9 * Math.max(1, ref.values()[j]));
        }
        assertTrue(m.standardized());
    }

    @Test
    void projectionIsCentredScaledDotAndRunsOnExecutors() {
        double[][] x = PcaReference.decaying(500, 20, 4, 3, 6);
        PcaModel m = Pca.fit(rdd(x, 2), PcaOptions.fixedK(5).withStandardize(true));
        List<FeatureRecord> feats = new ArrayList<>();
        for (int r = 0; r < x.length; r++) {
            float[] f = new float[20];
            for (int i = 0; i < 20; i++) {
                f[i] = (float) x[r][i];
            }
            feats.add(new FeatureRecord("file:///img/" + r + ".jpg", "apple", 0, f));
        }
        List<PcaRecord> out = Pca.project(SC, m, SC.parallelize(feats, 3)).collect();
        assertEquals(feats.size(), out.size());
        double[] mean = m.mean();
        double[] scale = m.scale();
        double[][] comps = m.components();
        for (int r = 0; r < out.size(); r++) {
            PcaRecord p = out.get(r);
            assertEquals(feats.get(r).imageId(), p.imageId());
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int i = 0; i < 20; i++) {
                    s += (feats.get(r).features()[i] - mean[i]) / scale[i] * comps[j][i];
                }
                assertEquals(s, p.pca()[j], 1e-12 * Math.max(1, Math.abs(s)));
            }
        }
        // projected training data: variance along component j equals eigenvalue j
        double[] var = new double[5];
        for (double[] row : x) {
            double[] pc = m.project(row);
            for (int j = 0; j < 5; j++) {
                var[j] += pc[j] * pc[j] / (x.length - 1);
            }
        }
        for (int j = 0; j < 5; j++) {
            assertEquals(m.eigenvalues()[j], var[j], 1e-9 * m.eigenvalues()[j]);
        }
    }

    @Test
    void rerunsCompareEqualAndJsonRoundTripsExactly() {
        double[][] x = PcaReference.decaying(800, 30, 6, 7, 7);
        PcaModel a = Pca.fit(rdd(x, 2), PcaOptions.fixedK(4));
        PcaModel b = Pca.fit(rdd(x, 2), PcaOptions.fixedK(4));
        assertEquals(a, b);
        PcaModel back = PcaModel.fromJson(a.toJson());
        assertEquals(a, back);
        assertNull(back.scale());
        String json = a.toJson();
        assertTrue(json.startsWith("{\"inputDimension\":30,\"k\":4,\"count\":800,\"standardized\":false,\"mean\":["),
                json.substring(0, 80));
        assertTrue(json.contains("\"scale\":null,\"components\":[["));
        PcaModel s = Pca.fit(rdd(x, 2), PcaOptions.fixedK(4).withStandardize(true));
        assertEquals(s, PcaModel.fromJson(s.toJson()));
        for (double[] c : a.components()) {
            int arg = 0;
            for (int i = 0; i < c.length; i++) {
                if (Math.abs(c[i]) > Math.abs(c[arg])) {
                    arg = i;
                }
            }
            assertTrue(c[arg] > 0, "largest-magnitude entry positive");
        }
    }

    @Test
    void rejectsBadInputsNamingTheValues() {
        double[][] x = PcaReference.decaying(10, 6, 2, 0, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pca.fit(rdd(x, 2), PcaOptions.fixedK(7)));
        assertTrue(e.getMessage().contains("k=7") && e.getMessage().contains("d=6"), e.getMessage());
        double[][] few = Arrays.copyOf(x, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Pca.fit(rdd(few, 2), PcaOptions.fixedK(4)));
        assertTrue(e.getMessage().contains("n-1=3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Pca.fit(rdd(new double[][] {x[0]}, 2), PcaOptions.fixedK(1)));
        assertTrue(e.getMessage().contains("at least 2 rows, got 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pca.fit(SC.parallelize(List.<double[]>of(), 2),
                PcaOptions.fixedK(1)));
        double[][] mixed = {x[0], x[1], {1, 2, 3}, {4, 5, 6}};
        Exception mixedError = assertThrows(Exception.class, () -> Pca.fit(rdd(mixed, 2), PcaOptions.fixedK(1)));
        assertTrue(mixedError instanceof IllegalArgumentException || mixedError instanceof SparkException);
        assertTrue(String.valueOf(mixedError.getMessage()).contains("3") , mixedError.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PcaOptions.fixedK(0));
        assertThrows(IllegalArgumentException.class, () -> PcaOptions.variance(1.5));
        assertThrows(IllegalArgumentException.class, () -> new PcaOptions(3, 0.5, false));
        double[][] constant = {{1, 2}, {1, 2}, {1, 2}};
        e = assertThrows(IllegalArgumentException.class, () -> Pca.fit(rdd(constant, 2), PcaOptions.fixedK(1)));
        assertTrue(e.getMessage().contains("constant"), e.getMessage());
        PcaModel m = Pca.fit(rdd(x, 2), PcaOptions.fixedK(2));
        e = assertThrows(IllegalArgumentException.class, () -> m.project(new double[5]));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PcaModel.fromJson("{\"k\": 1}"));
        assertTrue(e.getMessage().contains("inputDimension"), e.getMessage());
        String broken = m.toJson().replace("\"k\":2", "\"k\":3");
        assertThrows(IllegalArgumentException.class, () -> PcaModel.fromJson(broken));
        assertThrows(IllegalArgumentException.class, () -> PcaModel.fromJson("not json"));
    }

    @Test
    void gramKernelsAgree() {
        Random rnd = new Random(9);
        int rows = 300;
        int d = 130;
        double[] x = new double[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        double[] java = new double[d * d];
        double[] tf = new double[d * d];
        new JavaGramKernel().gram(x, rows, d, java);
        try (TensorFlowGramKernel k = TensorFlowGramKernel.open(d)) {
            k.gram(x, rows, d, tf);
            k.gram(x, rows - 7, d, tf); // fewer rows than the buffer holds
        }
        new JavaGramKernel().gram(x, rows - 7, d, java);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double ref = 0;
                for (int r = 0; r < rows - 7; r++) {
                    ref += x[r * d + i] * x[r * d + j];
                }
                assertEquals(ref, java[i * d + j], 1e-11 * rows);
                assertEquals(ref, tf[i * d + j], 1e-11 * rows);
            }
        }
    }

    @Test
    void blasGramKernelAgreesWithJava() {
        Assumptions.assumeTrue(NativeLinalg.get().blas() != null,
                "no optimized native BLAS here (" + NativeLinalg.get().describe() + ")");
        Random rnd = new Random(10);
        int rows = 301;
        int d = 97;
        double[] x = new double[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian() + 3;
        }
        double[] java = new double[d * d];
        double[] blas = new double[d * d];
        new JavaGramKernel().gram(x, rows - 5, d, java);
        BlasGramKernel k = BlasGramKernel.open();
        k.gram(x, rows - 5, d, blas);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                assertEquals(java[i * d + j], blas[i * d + j], 1e-12 * Math.abs(java[i * d + j]) + 1e-9);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PcaOptions.Kernel.class)
    void everyKernelChoiceGivesTheSameMomentsAndSaysWhichRan(PcaOptions.Kernel kernel) {
        double[][] x = PcaReference.decaying(2_000, 70, 10, 1e3, 14);
        PcaModel m = Pca.fit(rdd(x, 3), PcaOptions.fixedK(5).withKernel(kernel));
        PcaModel ref = Pca.fit(rdd(x, 3), PcaOptions.fixedK(5).withKernel(PcaOptions.Kernel.JAVA));
        assertEquals("java", ref.fitInfo().gramKernel());
        String expected = switch (kernel) {
            case JAVA -> "java";
            case TENSORFLOW -> "tensorflow";
            case BLAS, AUTO -> NativeLinalg.get().blas() != null ? "blas" : "tensorflow";
        };
        assertEquals(expected, m.fitInfo().gramKernel(), m.fitInfo().toString());
        assertEquals(kernel == PcaOptions.Kernel.BLAS && NativeLinalg.get().blas() == null ? 1 : 0,
                m.fitInfo().fallbacks().size(), m.fitInfo().fallbacks().toString());
        for (int j = 0; j < 5; j++) {
            assertEquals(ref.eigenvalues()[j], m.eigenvalues()[j], EIGENVALUE_REL * ref.eigenvalues()[j]);
            assertTrue(PcaReference.maxDiffUpToSign(ref.components()[j], m.components()[j]) < COMPONENT_ABS);
        }
    }

    @Test
    void fanInKeepsEachLevelWithinBudget() {
        long mb = 1L << 20;
        assertEquals(40, Pca.fanIn(Moments.accumulatorBytes(1280), 256 * mb)); // 6.6 MB each
        assertEquals(3, Pca.fanIn(Moments.accumulatorBytes(4096), 256 * mb));  // 67 MB each
        assertEquals(2, Pca.fanIn(Moments.accumulatorBytes(20_000), 256 * mb)); // never below pairwise
        assertEquals(1024, Pca.fanIn(Moments.accumulatorBytes(2), 256 * mb));
    }

    @Test
    void manyPartitionsMergeThroughSeveralLevelsDeterministically() {
        double[][] x = PcaReference.decaying(3_000, 20, 4, 1e3, 13);
        // a budget of 2 accumulators: fan-in 2, 11 partitions -> 4 levels of pairwise merges
        long budget = 2 * Moments.accumulatorBytes(20);
        Moments a = Pca.moments(rdd(x, 11), budget);
        Moments b = Pca.moments(rdd(x, 11), budget);
        assertTrue(PcaReference.relativeMaxError(PcaReference.coMoment(a), PcaReference.coMoment(x)) < MOMENT_REL);
        assertArrayEquals(a.mean(), b.mean(), 0.0);
        assertArrayEquals(a.covariance(), b.covariance(), 0.0);
    }
}
