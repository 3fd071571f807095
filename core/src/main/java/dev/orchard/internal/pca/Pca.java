package dev.orchard.internal.pca;

import dev.orchard.PcaOptions;
import dev.orchard.PcaModel;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import scala.Tuple2;

/**
 * Distributed PCA over an RDD of feature vectors.
 *
 * <p><b>Fit</b> = one pass over the rows, then work on the driver:
 * <ol>
 *   <li>each partition accumulates its {@link Moments} (count, mean, packed co-moment) in blocks of a few hundred
 *       to 2048 rows: each block is one Gram product (TensorFlow's float64 {@code MatMul}, or a pure-Java blocked
 *       kernel where TensorFlow is unavailable) merged with Chan et al.'s pairwise formula;</li>
 *   <li>the per-partition moments are kept (memory, then disk) while one small job reads their dimensions, and are
 *       then merged pairwise in a tree, like {@code treeAggregate}, whose fan-in is chosen from the accumulator size
 *       so that no level sends one reducer or the driver more than {@value #DRIVER_BUDGET_MB} MB of accumulators
 *       ({@link #fanIn}); the depth follows from the partition count. Unlike {@code treeAggregate}, every merge
 *       runs in partition order, not task-completion order, so a rerun on the same partitioning gives
 *       bit-identical moments and model;</li>
 *   <li>the driver forms the covariance {@code M2 / (n − 1)} (optionally standardized to the correlation matrix)
 *       and runs a symmetric eigendecomposition (Householder tridiagonalization + implicit QR, O(d³)): EJML, or
 *       TensorFlow's native {@code SelfAdjointEigV2} for d ≥ 256, 2–4× faster (see {@link #symmetricEigen}).</li>
 * </ol>
 * Kernel choices are system properties, read where the work runs (set them on executors too, e.g. with
 * {@code spark.executor.extraJavaOptions}): {@code orchard.pca.kernel=auto|java|tensorflow} for the Gram products,
 * {@code orchard.pca.eigen=auto|ejml|tensorflow} for the driver. Benchmarks: {@code benchmarks/README.md}.
 * The rows are read by exactly one Spark action, so an uncached upstream (e.g. the CNN) runs once.
 *
 * <p><b>What limits d.</b> Per task: the packed co-moment (4 d² bytes), the block's full d × d Gram product
 * (8 d²) and the block (≤ 16 MB): ≈ 220 MB at d = 4096. Per merge level on the driver: fan-in × 4 d² bytes (67 MB
 * each at d = 4096). On the driver: the d × d covariance and EJML's work matrices (≈ 4 × 8 d² bytes) and O(d³)
 * time: the eigendecomposition, not the distributed pass, dominates for d ≳ 4000 on few rows. Hard limit
 * {@link Moments#MAX_DIMENSION} (one Java array of d² doubles).
 */
public final class Pca {

    /** Upper bound on accumulator bytes one tree level sends to one reducer or to the driver. */
    static final long DRIVER_BUDGET_MB = 256;
    /** Cumulative ratios this close below the target fraction count as reaching it (rounding of the sum). */
    static final double FRACTION_SLACK = 1e-12;

    private Pca() {}

    /** Fits PCA on {@code rows} (each of the same length d ≥ 1, at least 2 rows). */
    public static PcaModel fit(JavaRDD<double[]> rows, PcaOptions opts) {
        return fromMoments(moments(rows), opts);
    }

    /** Fits PCA on float rows, accumulated in double precision. */
    public static PcaModel fitFloat(JavaRDD<float[]> rows, PcaOptions opts) {
        return fromMoments(momentsFloat(rows), opts);
    }

    /** The moments of {@code rows} in one pass (one Spark action over the rows). */
    public static Moments moments(JavaRDD<double[]> rows) {
        return treeMerge(rows.mapPartitions(Pca::partitionMoments), DRIVER_BUDGET_MB << 20);
    }

    /** {@link #moments} with an explicit per-level budget (tests force deep trees with a small one). */
    static Moments moments(JavaRDD<double[]> rows, long budgetBytes) {
        return treeMerge(rows.mapPartitions(Pca::partitionMoments), budgetBytes);
    }

    /** The moments of float {@code rows}, accumulated in double precision. */
    public static Moments momentsFloat(JavaRDD<float[]> rows) {
        return treeMerge(rows.mapPartitions(Pca::partitionMomentsFloat), DRIVER_BUDGET_MB << 20);
    }

    private static Iterator<Moments> partitionMoments(Iterator<double[]> it) {
        return partitionMoments(it, Moments::add);
    }

    private static Iterator<Moments> partitionMomentsFloat(Iterator<float[]> it) {
        return partitionMoments(it, Moments::add);
    }

    /** One partition's moments: rows added in blocks through the partition's own Gram kernel. */
    private static <T> Iterator<Moments> partitionMoments(Iterator<T> it, BiConsumer<Moments, T> add) {
        Moments m = Moments.empty();
        try (LazyGramKernel k = new LazyGramKernel()) {
            m.useKernel(k);
            while (it.hasNext()) {
                add.accept(m, it.next());
            }
            m.flush();
        } finally {
            m.useKernel(null);
        }
        return Collections.singletonList(m).iterator();
    }

    private static Moments treeMerge(JavaRDD<Moments> perPartition, long budgetBytes) {
        perPartition.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<Integer> dims = perPartition.map(Moments::dimension).collect();
            int d = -1;
            for (int pd : dims) {
                if (pd > 0 && d > 0 && pd != d) {
                    throw new IllegalArgumentException("rows have different dimensions: " + d + " and " + pd);
                }
                d = Math.max(d, pd);
            }
            if (d < 0) {
                return Moments.empty();
            }
            int fanIn = fanIn(Moments.accumulatorBytes(d), budgetBytes);
            JavaPairRDD<Integer, Moments> level = perPartition.mapPartitionsWithIndex(
                    (i, it) -> Collections.singletonList(new Tuple2<>(i, it.next())).iterator(), true)
                    .mapToPair(t -> t);
            int count = perPartition.getNumPartitions();
            while (count > fanIn) {
                int groups = (count + fanIn - 1) / fanIn;
                final int f = fanIn;
                level = level.mapToPair(t -> new Tuple2<>(t._1() / f, t))
                        .groupByKey(groups) // HashPartitioner: group g is alone in partition g
                        .mapToPair(g -> new Tuple2<>(g._1(), mergeInOrder(g._2())));
                count = groups;
            }
            return mergeInOrder(level.collect());
        } finally {
            perPartition.unpersist(false);
        }
    }

    /** Merges (index, moments) pairs in index order into a new Moments. */
    private static Moments mergeInOrder(Iterable<Tuple2<Integer, Moments>> parts) {
        List<Tuple2<Integer, Moments>> sorted = new ArrayList<>();
        parts.forEach(sorted::add);
        sorted.sort((a, b) -> Integer.compare(a._1(), b._1()));
        Moments m = Moments.empty();
        for (Tuple2<Integer, Moments> t : sorted) {
            m.merge(t._2());
        }
        return m;
    }

    /**
     * Fan-in of the merge tree: how many accumulators one reducer (or the driver, at the last level) receives,
     * at most {@code budgetBytes} of them and at least 2. Depth = ceil(log_fanIn(partitions)).
     */
    static int fanIn(long accumulatorBytes, long budgetBytes) {
        return (int) Math.max(2, Math.min(1024, budgetBytes / Math.max(1, accumulatorBytes)));
    }

    /**
     * Fits PCA from moments already accumulated (by {@link #moments} or by hand).
     *
     * <p>Standardization divides every feature by its sample standard deviation (n − 1), so the eigenproblem is
     * on the correlation matrix; a feature with zero variance (constant, within the rounding bound of
     * scikit-learn's {@code StandardScaler}) gets scale 1, as in scikit-learn. Note scikit-learn's StandardScaler
     * divides by the population deviation (n) and Spark ML's by the sample deviation (n − 1), as here; the
     * components are the same, the eigenvalues differ by n/(n − 1).
     *
     * @throws IllegalArgumentException when there are fewer than 2 rows, k &gt; min(d, n − 1), or every feature is
     *                                  constant
     */
    public static PcaModel fromMoments(Moments m, PcaOptions opts) {
        long n = m.count();
        int d = m.dimension();
        if (n < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 rows, got " + n);
        }
        long maxK = Math.min(d, n - 1);
        if (opts.isFixedK() && opts.k() > maxK) {
            throw new IllegalArgumentException("k=" + opts.k() + " exceeds min(d=" + d + ", n-1=" + (n - 1)
                    + ") = " + maxK);
        }
        double[] mean = m.mean();
        double[] cov = m.covariance();
        double[] scale = null;
        if (opts.standardize()) {
            scale = new double[d];
            for (int i = 0; i < d; i++) {
                double var = cov[i * d + i];
                // scikit-learn's _is_constant_feature bound on rounding of a constant column's variance
                double eps = Math.ulp(1.0);
                double bound = n * eps * var + Math.pow(n * Math.abs(mean[i]) * eps, 2);
                scale[i] = var > bound && var > 0 ? Math.sqrt(var) : 1.0;
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    cov[i * d + j] /= scale[i] * scale[j];
                }
            }
        }
        double total = 0;
        for (int i = 0; i < d; i++) {
            total += cov[i * d + i];
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("total variance is " + total + ": every feature of the " + n
                    + " rows is constant, there are no principal components");
        }
        Eigen eig = symmetricEigen(cov, d);
        int k;
        if (opts.isFixedK()) {
            k = opts.k();
        } else {
            k = (int) maxK;
            double cum = 0;
            for (int j = 0; j < maxK; j++) {
                cum += eig.values[j] / total;
                if (cum >= opts.varianceFraction() - FRACTION_SLACK) {
                    k = j + 1;
                    break;
                }
            }
        }
        double[][] comps = new double[k][];
        double[] values = new double[k];
        double[] ratios = new double[k];
        for (int j = 0; j < k; j++) {
            comps[j] = eig.vectors[j];
            values[j] = eig.values[j];
            ratios[j] = values[j] / total;
        }
        return new PcaModel(d, n, opts.standardize(), mean, scale, comps, values, ratios, total);
    }

    /** Eigenpairs in descending order, eigenvalues clamped at ≥ 0, vectors unit norm with the sign convention. */
    record Eigen(double[] values, double[][] vectors) {}

    /** System property choosing the driver's eigensolver: {@code auto} (default), {@code ejml} or {@code tensorflow}. */
    static final String EIGEN_PROPERTY = "orchard.pca.eigen";
    /** {@code auto} uses TensorFlow from this dimension on (below it EJML is as fast and needs no native code). */
    static final int TF_EIGEN_MIN_DIMENSION = 256;

    /**
     * Symmetric eigendecomposition of the d × d row-major {@code a} (modified): EJML's
     * {@code SymmetricQRAlgorithmDecomposition_DDRM}, or for d ≥ {@value #TF_EIGEN_MIN_DIMENSION} TensorFlow's
     * native {@code SelfAdjointEigV2} (same algorithm family, 2–4× faster; falls back to EJML if TensorFlow does
     * not load). System property {@value #EIGEN_PROPERTY} = {@code auto|ejml|tensorflow} overrides the choice.
     */
    static Eigen symmetricEigen(double[] a, int d) {
        String choice = System.getProperty(EIGEN_PROPERTY, "auto");
        if (!choice.equals("auto") && !choice.equals("ejml") && !choice.equals("tensorflow")) {
            throw new IllegalArgumentException(EIGEN_PROPERTY + " must be auto, ejml or tensorflow, was " + choice);
        }
        boolean tf = choice.equals("tensorflow") || (choice.equals("auto") && d >= TF_EIGEN_MIN_DIMENSION);
        if (tf) {
            double[][] r;
            try {
                r = TensorFlowEigen.decompose(a, d);
            } catch (RuntimeException | LinkageError e) {
                if (choice.equals("tensorflow")) {
                    throw e;
                }
                return ejmlEigen(a, d);
            }
            double[] raw = r[0];
            double[] vecs = r[1];
            return sorted(raw, i -> {
                double[] v = new double[d];
                for (int row = 0; row < d; row++) {
                    v[row] = vecs[row * d + i];
                }
                return v;
            });
        }
        return ejmlEigen(a, d);
    }

    private static Eigen ejmlEigen(double[] a, int d) {
        DMatrixRMaj m = DMatrixRMaj.wrap(d, d, a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(m)) {
            throw new ArithmeticException("EJML symmetric eigendecomposition of a " + d + " × " + d
                    + " covariance did not converge");
        }
        double[] raw = new double[d];
        for (int i = 0; i < d; i++) {
            raw[i] = eig.getEigenvalue(i).real;
        }
        return sorted(raw, i -> eig.getEigenVector(i).getData().clone());
    }

    private static Eigen sorted(double[] raw, java.util.function.IntFunction<double[]> vector) {
        int d = raw.length;
        List<Integer> order = new ArrayList<>(d);
        for (int i = 0; i < d; i++) {
            order.add(i);
        }
        order.sort((x, y) -> Double.compare(raw[y], raw[x]));
        double[] values = new double[d];
        double[][] vectors = new double[d][];
        for (int r = 0; r < d; r++) {
            int i = order.get(r);
            values[r] = Math.max(0.0, raw[i]);
            double[] v = vector.apply(i);
            normalizeAndOrient(v);
            vectors[r] = v;
        }
        return new Eigen(values, vectors);
    }

    /** Scales {@code v} (modified) to unit norm and makes its largest-magnitude entry (first on ties) positive. */
    static void normalizeAndOrient(double[] v) {
        double norm = 0;
        int arg = 0;
        for (int i = 0; i < v.length; i++) {
            norm += v[i] * v[i];
            if (Math.abs(v[i]) > Math.abs(v[arg])) {
                arg = i;
            }
        }
        double s = (v[arg] < 0 ? -1.0 : 1.0) / Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) {
            v[i] *= s;
        }
    }

    /**
     * Projects every feature vector on the model's components on the executors; the model (k × d components,
     * mean, scale) is broadcast once. Lazy, like any transformation.
     *
     * @throws IllegalArgumentException (in the task) when a record's dimension differs from the model's
     */
    public static JavaRDD<PcaRecord> project(JavaSparkContext sc, PcaModel model, JavaRDD<FeatureRecord> features) {
        Broadcast<PcaModel> b = sc.broadcast(model);
        return features.map(f -> new PcaRecord(f.imageId(), f.label(), f.labelIndex(), b.value().project(f.features())));
    }
}
