package dev.orchard.internal.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.SparkTestSupport;
import dev.orchard.testing.Tolerances;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    /** Central finite differences of a smooth function agree to about h² · f'''. */
    private static final double FINITE_DIFFERENCE = 1e-6;
    private static final List<String> FOUR = List.of("a", "b", "c", "d");

    /** Gaussian blobs: class c centred at 4·e_c (plus a constant and a noise column), σ = 1. */
    static List<LabeledVector> blobs(int perClass, int classes, long seed, boolean shuffleLabels) {
        Random r = new Random(seed);
        List<LabeledVector> out = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                double[] x = new double[classes + 2];
                for (int j = 0; j < classes; j++) {
                    x[j] = r.nextGaussian() + (j == c ? 4 : 0);
                }
                x[classes] = 7.5; // constant column: must not break standardization
                x[classes + 1] = 1e6 + 1e3 * r.nextGaussian(); // large offset and scale
                int label = shuffleLabels ? r.nextInt(classes) : c;
                out.add(new LabeledVector("img-" + c + "-" + i, label, x));
            }
        }
        return out;
    }

    @Test
    void softmaxGradientMatchesFiniteDifferences() {
        Random r = new Random(1);
        int classes = 3;
        double[] x = {0.5, -1.2, 2.0};
        double[] w = new double[classes * (x.length + 1)];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
        }
        double[] acc = new double[w.length + 1];
        Softmax.accumulate(w, classes, x, 1, acc, new double[classes]);
        double h = 1e-5;
        for (int i = 0; i < w.length; i++) {
            double[] plus = w.clone();
            double[] minus = w.clone();
            plus[i] += h;
            minus[i] -= h;
            double[] ap = new double[w.length + 1];
            double[] am = new double[w.length + 1];
            Softmax.accumulate(plus, classes, x, 1, ap, new double[classes]);
            Softmax.accumulate(minus, classes, x, 1, am, new double[classes]);
            double numeric = (ap[w.length] - am[w.length]) / (2 * h);
            assertEquals(numeric, acc[i], FINITE_DIFFERENCE, "d loss / d w[" + i + "]");
        }
    }

    @Test
    void softmaxLossStaysFiniteForHugeLogits() {
        double[] w = {1e4, 0, -1e4, 0}; // two classes, d = 1
        double[] acc = new double[w.length + 1];
        Softmax.accumulate(w, 2, new double[] {1}, 1, acc, new double[2]);
        assertEquals(2e4, acc[w.length], Tolerances.F64 * 2e4, "loss = z_0 - z_1");
    }

    @Test
    void lbfgsFindsTheMinimumOfAnIllConditionedQuadratic() {
        double[] target = {3, -2, 0.5, 10};
        double[] curvature = {1, 100, 0.01, 5};
        Lbfgs.Outcome o = Lbfgs.minimize((w, g) -> {
            double f = 0;
            for (int i = 0; i < w.length; i++) {
                double d = w[i] - target[i];
                f += 0.5 * curvature[i] * d * d;
                g[i] = curvature[i] * d;
            }
            return f;
        }, new double[4], 200, 1e-12);
        for (int i = 0; i < target.length; i++) {
            assertEquals(target[i], o.w()[i], 1e-6, "w[" + i + "]");
        }
        assertTrue(o.converged());
    }

    @Test
    void splitIsStratifiedDisjointCompleteAndSeeded() {
        JavaSparkContext sc = SparkTestSupport.sc();
        List<LabeledVector> rows = new ArrayList<>(blobs(20, 3, 5, false));
        rows.add(new LabeledVector("lonely", 3, new double[5])); // a class of one: trains only
        JavaRDD<LabeledVector> data = sc.parallelize(rows, 3);
        LinearProbe.Split s = LinearProbe.split(data, 0.25, 7);
        try {
            List<LabeledVector> test = s.test().collect();
            List<LabeledVector> train = s.train().collect();
            Map<Integer, Long> perClass = test.stream()
                    .collect(Collectors.groupingBy(LabeledVector::labelIndex, Collectors.counting()));
            assertEquals(Map.of(0, 5L, 1, 5L, 2, 5L), perClass, "exactly ceil(0.25 * 20) per class");
            Set<String> ids = new HashSet<>();
            test.forEach(v -> ids.add(v.id()));
            train.forEach(v -> assertTrue(ids.add(v.id()), "in both halves: " + v.id()));
            assertEquals(rows.size(), ids.size());

            LinearProbe.Split again = LinearProbe.split(data, 0.25, 7);
            LinearProbe.Split other = LinearProbe.split(data, 0.25, 8);
            Set<String> a = ids(s.test());
            assertEquals(a, ids(again.test()), "same seed, same split");
            assertTrue(!a.equals(ids(other.test())), "another seed, another split");
            again.unpersist();
            other.unpersist();
        } finally {
            s.unpersist();
        }
    }

    private static Set<String> ids(JavaRDD<LabeledVector> rdd) {
        return new HashSet<>(rdd.map(LabeledVector::id).collect());
    }

    @Test
    void separableClassesAreLearnedOnTwoAndMorePartitions() {
        JavaSparkContext sc = SparkTestSupport.sc();
        for (int partitions : new int[] {2, 5}) {
            JavaRDD<LabeledVector> data = sc.parallelize(blobs(60, 4, 11, false), partitions);
            ProbeResult r = LinearProbe.run("blobs", data, FOUR, ProbeOptions.defaults());
            assertEquals(60, r.test(), "15 per class held out");
            assertEquals(180, r.train());
            assertTrue(r.accuracy() > 0.95, "held-out accuracy " + r.accuracy());
            assertEquals(0.25, r.chance(), Tolerances.F64);
            long total = 0;
            for (long[] row : r.confusion()) {
                for (long v : row) {
                    total += v;
                }
            }
            assertEquals(r.test(), total);
            assertEquals(4, r.perClass().size());
            assertEquals(15L, r.perClass().get(0).get("support"));
        }
    }

    @Test
    void randomLabelsScoreNearChance() {
        JavaRDD<LabeledVector> data = SparkTestSupport.sc().parallelize(blobs(60, 4, 12, true), 3);
        ProbeResult r = LinearProbe.run("noise", data, FOUR, ProbeOptions.defaults());
        assertTrue(r.accuracy() < 0.45, "labels carry no signal, yet accuracy was " + r.accuracy());
    }

    @Test
    void mismatchedLengthsAndLabelsAreRefused() {
        JavaSparkContext sc = SparkTestSupport.sc();
        List<LabeledVector> rows = new ArrayList<>(blobs(10, 2, 3, false));
        rows.add(new LabeledVector("short", 0, new double[1]));
        Exception e = assertThrows(Exception.class,
                () -> LinearProbe.run("bad", sc.parallelize(rows, 2), List.of("a", "b"), ProbeOptions.defaults()));
        assertTrue(String.valueOf(rootMessage(e)).contains("length"), rootMessage(e));
        assertThrows(IllegalArgumentException.class, () -> new ProbeOptions(1, 1.0, 0, 10, 1e-6));
        assertThrows(IllegalArgumentException.class,
                () -> LinearProbe.run("one", sc.parallelize(blobs(5, 1, 1, false), 2), List.of("a"),
                        ProbeOptions.defaults()));
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
