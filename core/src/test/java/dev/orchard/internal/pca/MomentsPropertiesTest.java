package dev.orchard.internal.pca;

import dev.orchard.PcaOptions;
import dev.orchard.PcaModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.SparkTestSupport;
import dev.orchard.testing.Tolerances;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the moments and of the eigendecomposition, against the two-pass local reference.
 */
class MomentsPropertiesTest {

    /** Co-moments of unit-spread data: max entry error relative to the largest entry. */
    static final double MOMENT_REL = Tolerances.F64;
    /**
     * Extra relative co-moment error per unit of mean offset (unit-spread data): a double holds offset + z only to
     * ulp(offset) ≈ 2.2e-16·offset, so no method can do better than a few times that.
     */
    static final double OFFSET_REL_PER_UNIT = 1e-15;
    /** Reconstruction, orthonormality and ratio sums. */
    static final double EIGEN_ABS = 1e-10;

    /** Rows with unit-ish spread around a common offset, a few correlated directions. */
    static double[][] rows(Random rnd, int n, int d, double offset) {
        double[][] mix = new double[d][d];
        for (double[] r : mix) {
            for (int j = 0; j < d; j++) {
                r[j] = rnd.nextGaussian() / Math.sqrt(d);
            }
        }
        double[][] x = new double[n][d];
        for (int r = 0; r < n; r++) {
            double[] z = new double[d];
            for (int i = 0; i < d; i++) {
                z[i] = rnd.nextGaussian() * Math.exp(-i / 3.0);
            }
            for (int i = 0; i < d; i++) {
                double s = offset * (1 + 0.01 * i);
                for (int j = 0; j < d; j++) {
                    s += mix[i][j] * z[j];
                }
                x[r][i] = s + z[i];
            }
        }
        return x;
    }

    /** Splits the rows at random cut points into {@code parts} (some possibly empty), one Moments each. */
    static List<Moments> split(double[][] x, int parts, Random rnd) {
        int[] cuts = new int[parts + 1];
        cuts[parts] = x.length;
        for (int p = 1; p < parts; p++) {
            cuts[p] = rnd.nextInt(x.length + 1);
        }
        Arrays.sort(cuts, 1, parts);
        List<Moments> list = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            Moments m = Moments.empty();
            for (int r = cuts[p]; r < cuts[p + 1]; r++) {
                m.add(x[r]);
            }
            list.add(m);
        }
        return list;
    }

    /** Merges in a random binary tree shape: repeatedly merge two random members. */
    static Moments randomTree(List<Moments> parts, Random rnd) {
        List<Moments> live = new ArrayList<>(parts);
        while (live.size() > 1) {
            Moments a = live.remove(rnd.nextInt(live.size()));
            Moments b = live.remove(rnd.nextInt(live.size()));
            live.add(rnd.nextBoolean() ? a.merge(b) : b.merge(a));
        }
        return live.get(0);
    }

    static void assertMatchesReference(Moments m, double[][] x, double relTol) {
        assertEquals(x.length, m.count());
        double[] refMean = PcaReference.mean(x);
        double[] mean = m.mean();
        for (int i = 0; i < refMean.length; i++) {
            assertEquals(refMean[i], mean[i], relTol * Math.max(1, Math.abs(refMean[i])), "mean " + i);
        }
        double err = PcaReference.relativeMaxError(PcaReference.coMoment(m), PcaReference.coMoment(x));
        assertTrue(err <= relTol, "co-moment relative error " + err + " > " + relTol);
    }

    @Property(tries = 200)
    void anySplitMergedInAnyTreeShapeGivesTheLocalMoments(@ForAll @IntRange(min = 2, max = 1500) int n,
            @ForAll @IntRange(min = 1, max = 9) int d, @ForAll @IntRange(min = 1, max = 12) int parts,
            @ForAll long seed) {
        Random rnd = new Random(seed);
        double[][] x = rows(rnd, n, d, 5.0);
        Moments merged = randomTree(split(x, parts, rnd), rnd);
        assertMatchesReference(merged, x, MOMENT_REL);
    }

    @Property(tries = 100)
    void meanOffsetsUpTo1e8DoNotBreakTheMoments(@ForAll @IntRange(min = 0, max = 8) int log10Offset,
            @ForAll @IntRange(min = 2, max = 1200) int n, @ForAll @IntRange(min = 1, max = 6) int parts,
            @ForAll long seed) {
        Random rnd = new Random(seed);
        double offset = Math.pow(10, log10Offset);
        double[][] x = rows(rnd, n, 4, offset);
        Moments merged = randomTree(split(x, parts, rnd), rnd);
        assertMatchesReference(merged, x, MOMENT_REL + OFFSET_REL_PER_UNIT * offset);
    }

    @Example
    void theNaiveOneShotFormulaFailsWhereMomentsHold() {
        // Shows the offset property can fail: sum x^2 - n mean^2 loses everything at 1e8 ± 1.
        Random rnd = new Random(1);
        double[][] x = rows(rnd, 1000, 2, 1e8);
        double s = 0;
        double s2 = 0;
        for (double[] r : x) {
            s += r[0];
            s2 += r[0] * r[0];
        }
        double naive = s2 - s * s / x.length;
        double ref = PcaReference.coMoment(x)[0][0];
        assertTrue(Math.abs(naive - ref) / ref > 1e-3, "naive error unexpectedly small");
        Moments m = Moments.empty();
        for (double[] r : x) {
            m.add(r);
        }
        assertEquals(ref, m.coMoment(0, 0), (MOMENT_REL + OFFSET_REL_PER_UNIT * 1e8) * ref);
    }

    @Property(tries = 6)
    void sparkPartitionsGiveTheLocalMoments(@ForAll @IntRange(min = 2, max = 7) int partitions,
            @ForAll @IntRange(min = 50, max = 3000) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        double[][] x = rows(rnd, n, 70, 1e4); // d ≥ 64: blocks of ≥ 32 rows go through the TensorFlow kernel
        Moments m = Pca.moments(SparkTestSupport.sc().parallelize(Arrays.asList(x), partitions));
        assertMatchesReference(m, x, MOMENT_REL + OFFSET_REL_PER_UNIT * 1e4);
    }

    @Property(tries = 12)
    void fullCovarianceIsSymmetricAndMatchesATwoPassComputation(@ForAll @IntRange(min = 1, max = 200) int d,
            @ForAll long seed) {
        Random rnd = new Random(seed);
        int n = 30;
        double[][] x = rows(rnd, n, d, 5);
        Moments m = Moments.empty();
        for (double[] r : x) {
            m.add(r);
        }
        double[] cov = m.covariance();
        double[] mean = new double[d];
        for (double[] r : x) {
            for (int i = 0; i < d; i++) {
                mean[i] += r[i] / n;
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double ref = 0;
                for (double[] r : x) {
                    ref += (r[i] - mean[i]) * (r[j] - mean[j]);
                }
                ref /= n - 1;
                assertEquals(ref, cov[i * d + j], 1e-9 * (1 + Math.abs(ref)), "(" + i + ", " + j + ")");
                assertEquals(cov[j * d + i], cov[i * d + j], 0.0, "symmetry (" + i + ", " + j + ")");
            }
        }
    }

    @Property(tries = 60)
    void eigendecompositionReconstructsCovarianceWithOrthonormalComponentsAndSortedRatios(
            @ForAll @IntRange(min = 1, max = 24) int d, @ForAll @IntRange(min = 0, max = 30) int extraRows,
            @ForAll boolean standardize, @ForAll PcaOptions.Eigensolver solver, @ForAll long seed) {
        Random rnd = new Random(seed);
        int n = d + 1 + extraRows;
        double[][] x = rows(rnd, n, d, 1e3);
        Moments m = Moments.empty();
        for (double[] r : x) {
            m.add(r);
        }
        PcaModel model = Pca.fromMoments(m, PcaOptions.fixedK(d).withStandardize(standardize).withEigensolver(solver));
        double[][] v = model.components();
        double[] ev = model.eigenvalues();
        double[] cov = m.covariance();
        double[] scale = standardize ? model.scale() : null;
        double maxAbs = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                if (scale != null) {
                    cov[i * d + j] /= scale[i] * scale[j];
                }
                maxAbs = Math.max(maxAbs, Math.abs(cov[i * d + j]));
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double rec = 0;
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    rec += v[c][i] * ev[c] * v[c][j];
                    dot += v[i][c] * v[j][c];
                }
                assertEquals(cov[i * d + j], rec, EIGEN_ABS * maxAbs, "reconstruction " + i + "," + j);
                assertEquals(i == j ? 1.0 : 0.0, dot, EIGEN_ABS, "orthonormality " + i + "," + j);
            }
        }
        double[] ratio = model.explainedVarianceRatio();
        double sum = 0;
        for (int j = 0; j < d; j++) {
            assertTrue(ev[j] >= 0);
            if (j > 0) {
                assertTrue(ratio[j] <= ratio[j - 1], "ratios sorted");
            }
            sum += ratio[j];
        }
        assertTrue(sum <= 1 + EIGEN_ABS, "ratios sum to " + sum);
    }
}
