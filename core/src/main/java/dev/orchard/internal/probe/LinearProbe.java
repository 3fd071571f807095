package dev.orchard.internal.probe;

import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * A linear probe: how much class information a set of vectors carries, measured by the held-out
 * accuracy of a multinomial logistic regression trained on them. Orchard runs it on the raw CNN
 * features and on their PCA projections, so the difference shows what PCA cost.
 *
 * <p>Everything runs on the cluster: a seeded stratified split (Spark's
 * {@link JavaPairRDD#sampleByKeyExact}: exactly {@code ⌈f · n_c⌉} held-out examples of every class
 * {@code c} with {@code n_c >= 2}), standardization with the training set's mean and standard
 * deviation, then L-BFGS on the driver whose every loss and gradient is one {@code treeAggregate}
 * over the training partitions. The objective is
 * <pre>
 *   f(W, b) = (1/n) Σ_i −log softmax(W x_i + b)_{y_i} + (λ/2) ||W||²_F      (biases not penalized)
 * </pre>
 * No Spark MLlib: its {@code LogisticRegression} lives in Spark SQL's DataFrame API, which Orchard
 * does not use.
 *
 * <p>Cost: each L-BFGS iteration is one pass over the training set (more if the line search
 * backtracks), exchanging {@code C · (d + 1)} doubles per partition.
 */
public final class LinearProbe {

    /** Tree depth of the gradient aggregation. */
    static final int TREE_DEPTH = 2;
    /** Standard deviations below this count as constant features: centred, not scaled. */
    static final double MIN_SCALE = 1e-12;

    private LinearProbe() {}

    /** Train and test halves of a split, both persisted: {@link #unpersist()} when done. */
    public record Split(JavaRDD<LabeledVector> train, JavaRDD<LabeledVector> test) {
        public void unpersist() {
            train.unpersist(false);
            test.unpersist(false);
        }
    }

    /** Raw CNN features as probe examples (float widened to double). */
    public static JavaRDD<LabeledVector> fromFeatures(JavaRDD<FeatureRecord> features) {
        return features.map(r -> {
            float[] f = r.features();
            double[] x = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                x[i] = f[i];
            }
            return new LabeledVector(r.imageId(), r.labelIndex(), x);
        });
    }

    /** PCA projections as probe examples. */
    public static JavaRDD<LabeledVector> fromPca(JavaRDD<PcaRecord> projections) {
        return projections.map(r -> new LabeledVector(r.imageId(), r.labelIndex(), r.pca()));
    }

    /**
     * Seeded stratified split: for every class with at least 2 examples, exactly
     * {@code ⌈testFraction · n_c⌉} examples go to {@code test}, the rest to {@code train}; a class
     * with one example trains only. Deterministic for a given seed and input partitioning.
     * Example ids must be unique.
     */
    public static Split split(JavaRDD<LabeledVector> data, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be in (0, 1) but was " + testFraction);
        }
        JavaPairRDD<Integer, LabeledVector> byClass = data.mapToPair(v -> new Tuple2<>(v.labelIndex(), v));
        Map<Integer, Long> counts = byClass.countByKey();
        Map<Integer, Double> fractions = new HashMap<>();
        counts.forEach((c, n) -> fractions.put(c, n >= 2 ? testFraction : 0.0));
        JavaRDD<LabeledVector> test = byClass.sampleByKeyExact(false, fractions, seed).values()
                .persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<LabeledVector> train = data.keyBy(LabeledVector::id)
                .subtractByKey(test.keyBy(LabeledVector::id))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new Split(train, test);
    }

    /**
     * Splits {@code data}, trains on one part and scores on the other.
     *
     * @param name   what is probed, for the report ("raw", "pca")
     * @param labels class names by label index; every example's index must be below its size
     * @throws IllegalArgumentException if vectors differ in length, a label index is out of range,
     *                                  or the training set is empty
     */
    public static ProbeResult run(String name, JavaRDD<LabeledVector> data, List<String> labels, ProbeOptions opts) {
        long t0 = System.nanoTime();
        int classes = labels.size();
        if (classes < 2) {
            throw new IllegalArgumentException("A probe needs >= 2 classes but got " + classes);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.context());
        Split split = split(data, opts.testFraction(), opts.seed());
        try {
            Standardizer std = split.train().treeAggregate(new Standardizer(), Standardizer::add,
                    Standardizer::merge, TREE_DEPTH);
            if (std.n == 0) {
                throw new IllegalArgumentException("The probe's training set is empty (" + name + ")");
            }
            int d = std.mean.length;
            double[] mean = std.mean;
            double[] scale = std.scale();
            Broadcast<double[][]> moments = sc.broadcast(new double[][] {mean, scale});
            JavaRDD<LabeledVector> train = standardize(split.train(), moments, classes).persist(StorageLevel.MEMORY_AND_DISK());
            JavaRDD<LabeledVector> test = standardize(split.test(), moments, classes);
            long n = std.n;
            int size = classes * (d + 1);
            double lambda = opts.l2();

            Lbfgs.Objective objective = (w, grad) -> {
                Broadcast<double[]> bw = sc.broadcast(w);
                double[] acc = train.treeAggregate(new double[size + 1], (a, v) -> {
                    Softmax.accumulate(bw.value(), classes, v.x(), v.labelIndex(), a, new double[classes]);
                    return a;
                }, LinearProbe::sum, TREE_DEPTH);
                bw.destroy(false);
                double penalty = 0;
                for (int c = 0; c < classes; c++) {
                    for (int j = 0; j < d; j++) {
                        int i = c * (d + 1) + j;
                        grad[i] = acc[i] / n + lambda * w[i];
                        penalty += w[i] * w[i];
                    }
                    int b = c * (d + 1) + d;
                    grad[b] = acc[b] / n;
                }
                return acc[size] / n + lambda / 2 * penalty;
            };
            Lbfgs.Outcome fit = Lbfgs.minimize(objective, new double[size], opts.maxIterations(), opts.tolerance());

            Broadcast<double[]> bw = sc.broadcast(fit.w());
            long[][] confusion = confusion(test, bw, classes);
            long[][] trainConfusion = confusion(train, bw, classes);
            bw.destroy(false);
            moments.destroy(false);
            train.unpersist(false);

            long testCount = total(confusion);
            double chance = 0;
            for (long[] row : confusion) {
                long support = 0;
                for (long v : row) {
                    support += v;
                }
                chance = Math.max(chance, testCount == 0 ? 0 : (double) support / testCount);
            }
            return new ProbeResult(name, d, List.copyOf(labels), n, testCount, accuracy(trainConfusion),
                    accuracy(confusion), chance, fit.iterations(), fit.value(), fit.converged(), confusion,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            split.unpersist();
        }
    }

    private static JavaRDD<LabeledVector> standardize(JavaRDD<LabeledVector> rows, Broadcast<double[][]> moments,
                                                      int classes) {
        return rows.map(v -> {
            if (v.labelIndex() >= classes) {
                throw new IllegalArgumentException("Label index " + v.labelIndex() + " of " + v.id()
                        + " is out of range: there are " + classes + " classes");
            }
            double[] mean = moments.value()[0];
            double[] scale = moments.value()[1];
            double[] x = v.x();
            if (x.length != mean.length) {
                throw new IllegalArgumentException("Vector of " + v.id() + " has length " + x.length
                        + " but the training vectors have " + mean.length);
            }
            double[] z = new double[x.length];
            for (int j = 0; j < x.length; j++) {
                z[j] = (x[j] - mean[j]) / scale[j];
            }
            return new LabeledVector(v.id(), v.labelIndex(), z);
        });
    }

    private static long[][] confusion(JavaRDD<LabeledVector> rows, Broadcast<double[]> w, int classes) {
        long[] flat = rows.treeAggregate(new long[classes * classes], (a, v) -> {
            a[v.labelIndex() * classes + Softmax.predict(w.value(), classes, v.x())]++;
            return a;
        }, (a, b) -> {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            return a;
        }, TREE_DEPTH);
        long[][] m = new long[classes][classes];
        for (int i = 0; i < classes; i++) {
            System.arraycopy(flat, i * classes, m[i], 0, classes);
        }
        return m;
    }

    private static double[] sum(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    private static long total(long[][] m) {
        long t = 0;
        for (long[] row : m) {
            for (long v : row) {
                t += v;
            }
        }
        return t;
    }

    static double accuracy(long[][] m) {
        long t = total(m);
        long ok = 0;
        for (int i = 0; i < m.length; i++) {
            ok += m[i][i];
        }
        return t == 0 ? 0 : (double) ok / t;
    }

    /** Mean and variance per column, merged across partitions with Chan et al.'s pairwise update. */
    static final class Standardizer implements java.io.Serializable {
        long n;
        double[] mean;
        double[] m2;

        Standardizer add(LabeledVector v) {
            double[] x = v.x();
            if (mean == null) {
                mean = new double[x.length];
                m2 = new double[x.length];
            } else if (x.length != mean.length) {
                throw new IllegalArgumentException("Vector of " + v.id() + " has length " + x.length
                        + " but others have " + mean.length);
            }
            n++;
            for (int j = 0; j < x.length; j++) {
                double delta = x[j] - mean[j];
                mean[j] += delta / n;
                m2[j] += delta * (x[j] - mean[j]);
            }
            return this;
        }

        Standardizer merge(Standardizer o) {
            if (o.n == 0) {
                return this;
            }
            if (n == 0) {
                return o;
            }
            if (o.mean.length != mean.length) {
                throw new IllegalArgumentException("Vectors have lengths " + mean.length + " and " + o.mean.length);
            }
            long total = n + o.n;
            for (int j = 0; j < mean.length; j++) {
                double delta = o.mean[j] - mean[j];
                mean[j] += delta * o.n / total;
                m2[j] += o.m2[j] + delta * delta * ((double) n * o.n / total);
            }
            n = total;
            return this;
        }

        /** Population standard deviations, 1 for constant columns. */
        double[] scale() {
            double[] s = new double[mean.length];
            for (int j = 0; j < s.length; j++) {
                double sd = Math.sqrt(m2[j] / n);
                s[j] = sd > MIN_SCALE ? sd : 1;
            }
            return s;
        }
    }
}
