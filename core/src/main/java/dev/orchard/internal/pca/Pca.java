package dev.orchard.internal.pca;

import dev.ludovic.netlib.lapack.LAPACK;
import dev.orchard.PcaFitInfo;
import dev.orchard.PcaModel;
import dev.orchard.PcaOptions;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.netlib.util.intW;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Distributed PCA over an RDD of feature vectors.
 *
 * <p><b>Fit</b> = one pass over the rows, then work on the driver:
 * <ol>
 *   <li>each partition accumulates its {@link Moments} (count, mean, packed co-moment) in blocks of a few hundred
 *       to 2048 rows: each block is one Gram product ({@link PcaOptions#kernel()}: the native BLAS's {@code dsyrk}
 *       where an optimized BLAS such as OpenBLAS is installed, else TensorFlow's float64 {@code MatMul}, else a
 *       pure-Java blocked kernel) merged with Chan et al.'s pairwise formula;</li>
 *   <li>the per-partition moments are kept (memory, then disk) while one small job reads their dimensions, and are
 *       then merged pairwise in a tree, like {@code treeAggregate}, whose fan-in is chosen from the accumulator size
 *       so that no level sends one reducer or the driver more than {@value #DRIVER_BUDGET_MB} MB of accumulators
 *       ({@link #fanIn}); the depth follows from the partition count. Unlike {@code treeAggregate}, every merge
 *       runs in partition order, not task-completion order, so a rerun on the same partitioning gives
 *       bit-identical moments and model;</li>
 *   <li>the driver forms the covariance {@code M2 / (n − 1)} (optionally standardized to the correlation matrix)
 *       and finds its leading eigenpairs ({@link PcaOptions#eigensolver()}): for k ≪ d the block Krylov solver
 *       {@link TopEigen} (O(d² k)), otherwise a full symmetric decomposition (O(d³): LAPACK {@code dsyevd},
 *       TensorFlow {@code SelfAdjointEigV2} or EJML); see {@link #solve}.</li>
 * </ol>
 * The kernels used and every fallback taken are in the model's {@link PcaModel#fitInfo()}. Benchmarks:
 * {@code benchmarks/README.md}.
 * The rows are read by exactly one Spark action, so an uncached upstream (e.g. the CNN) runs once.
 *
 * <p><b>What limits d.</b> Per task: the packed co-moment (4 d² bytes), the block's full d × d Gram product
 * (8 d²) and the block (≤ 16 MB): ≈ 220 MB at d = 4096. Per merge level on the driver: fan-in × 4 d² bytes (67 MB
 * each at d = 4096). On the driver: the d × d covariance and EJML's work matrices (≈ 4 × 8 d² bytes) and O(d³)
 * time for the full solvers (the top-k solver needs ≈ 2 × 8 d (2k + 4b) bytes for its basis). Hard limit
 * {@link Moments#MAX_DIMENSION} (one Java array of d² doubles).
 */
public final class Pca {

    /** Upper bound on accumulator bytes one tree level sends to one reducer or to the driver. */
    static final long DRIVER_BUDGET_MB = 256;
    /** Cumulative ratios this close below the target fraction count as reaching it (rounding of the sum). */
    static final double FRACTION_SLACK = 1e-12;

    private static final Logger LOG = LoggerFactory.getLogger(Pca.class);

    private Pca() {}

    /** Fits PCA on {@code rows} (each of the same length d ≥ 1, at least 2 rows). */
    public static PcaModel fit(JavaRDD<double[]> rows, PcaOptions opts) {
        return fromMoments(moments(rows, opts.kernel()), opts);
    }

    /** Fits PCA on float rows, accumulated in double precision. */
    public static PcaModel fitFloat(JavaRDD<float[]> rows, PcaOptions opts) {
        return fromMoments(momentsFloat(rows, opts.kernel()), opts);
    }

    /** The moments of {@code rows} in one pass (one Spark action over the rows), with the automatic kernel. */
    public static Moments moments(JavaRDD<double[]> rows) {
        return moments(rows, PcaOptions.Kernel.AUTO);
    }

    /** The moments of {@code rows} in one pass, each partition's Gram products on {@code kernel}. */
    public static Moments moments(JavaRDD<double[]> rows, PcaOptions.Kernel kernel) {
        return treeMerge(rows.mapPartitions(it -> partitionMoments(it, Moments::add, kernel)),
                DRIVER_BUDGET_MB << 20);
    }

    /** {@link #moments} with an explicit per-level budget (tests force deep trees with a small one). */
    static Moments moments(JavaRDD<double[]> rows, long budgetBytes) {
        return treeMerge(rows.mapPartitions(it -> partitionMoments(it, Moments::add, PcaOptions.Kernel.AUTO)),
                budgetBytes);
    }

    /** The moments of float {@code rows}, accumulated in double precision, with the automatic kernel. */
    public static Moments momentsFloat(JavaRDD<float[]> rows) {
        return momentsFloat(rows, PcaOptions.Kernel.AUTO);
    }

    /** The moments of float {@code rows}, accumulated in double precision, on {@code kernel}. */
    public static Moments momentsFloat(JavaRDD<float[]> rows, PcaOptions.Kernel kernel) {
        return treeMerge(rows.mapPartitions(it -> partitionMoments(it, Moments::add, kernel)),
                DRIVER_BUDGET_MB << 20);
    }

    /** One partition's moments: rows added in blocks through the partition's own Gram kernel. */
    private static <T> Iterator<Moments> partitionMoments(Iterator<T> it, BiConsumer<Moments, T> add,
            PcaOptions.Kernel kernel) {
        Moments m = Moments.empty();
        try (LazyGramKernel k = new LazyGramKernel(kernel)) {
            m.useKernel(k);
            while (it.hasNext()) {
                add.accept(m, it.next());
            }
            m.flush();
            if (m.count() > 1) {
                m.recordKernel(k.name(), k.fallback());
            }
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
        long start = System.nanoTime();
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
        Solved solved = solve(cov, d, opts, total, (int) maxK);
        Eigen eig = solved.eigen();
        int k;
        if (opts.isFixedK()) {
            k = opts.k();
        } else {
            k = Math.min((int) maxK, eig.values().length);
            double cum = 0;
            for (int j = 0; j < k; j++) {
                cum += eig.values()[j] / total;
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
            comps[j] = eig.vectors()[j];
            values[j] = eig.values()[j];
            ratios[j] = values[j] / total;
        }
        List<String> fallbacks = new ArrayList<>(m.kernelFallbacks());
        fallbacks.addAll(solved.fallbacks());
        String kernels = m.kernelsUsed().isEmpty() ? "none" : String.join("+", m.kernelsUsed());
        PcaFitInfo info = new PcaFitInfo(kernels, solved.solver(), solved.detail(), fallbacks,
                (System.nanoTime() - start) / 1e9);
        return new PcaModel(d, n, opts.standardize(), mean, scale, comps, values, ratios, total, info);
    }

    /** Eigenpairs in descending order, eigenvalues clamped at ≥ 0, vectors unit norm with the sign convention. */
    record Eigen(double[] values, double[][] vectors) {}

    /** Leading eigenpairs (at least as many as the options need), the solver that found them, and fallbacks. */
    record Solved(Eigen eigen, String solver, String detail, List<String> fallbacks) {}

    /** {@code auto} uses a native full solver (TensorFlow) from this dimension on, and considers top-k. */
    static final int NATIVE_EIGEN_MIN_DIMENSION = 256;
    /**
     * {@link PcaOptions.Eigensolver#AUTO} uses the top-k solver while the number of components is at most
     * d / {@value #TOP_K_CROSSOVER_DIVISOR} (measured crossover: see {@link TopEigen}).
     */
    static final int TOP_K_CROSSOVER_DIVISOR = 8;
    /**
     * With a variance fraction, {@link PcaOptions.Eigensolver#AUTO} gives way to the full solver once more than
     * d / {@value #TOP_K_VARIANCE_DIVISOR} components are proven necessary, and does not try top-k when the
     * covariance's {@link #effectiveRank} is above that: converging a few hundred pairs first cost 3.6× a direct
     * {@code dsyevd} at d = 4096 (37 vs 10.4 CPU-s, k = 700 needed; {@code benchmarks/README.md}).
     */
    static final int TOP_K_VARIANCE_DIVISOR = 16;

    /**
     * The participation ratio {@code (Σλ)² / Σλ²} = {@code trace² / ‖C‖²_F}: about how many components carry
     * the variance (exactly r for r equal eigenvalues; 2/a for {@code λ_i = exp(-a i)}, whose 95 % need ≈ 3/a). A
     * variance fraction on a covariance whose effective rank is above top-k's limit is decided by the full solver
     * straight away: converging a few hundred pairs first cost 3.6× a direct {@code dsyevd} at d = 4096
     * ({@code benchmarks/README.md}). Cheap (one pass over C); only chooses the solver, never the result.
     */
    static double effectiveRank(double[] cov, int d, double trace) {
        double frob = 0;
        for (int i = 0; i < d * d; i++) {
            frob += cov[i] * cov[i];
        }
        return frob > 0 ? trace * trace / frob : 0;
    }

    /**
     * The eigenpairs of the d × d covariance {@code cov} (modified) that {@code opts} needs, with the solver it
     * asks for, falling back (WARN) when that cannot run or does not converge.
     */
    static Solved solve(double[] cov, int d, PcaOptions opts, double total, int maxK) {
        PcaOptions.Eigensolver choice = opts.eigensolver();
        List<String> fallbacks = new ArrayList<>();
        String detail = "";
        boolean topK = switch (choice) {
            case TOP_K -> true;
            case AUTO -> d >= NATIVE_EIGEN_MIN_DIMENSION
                    && (!opts.isFixedK() || opts.k() <= d / TOP_K_CROSSOVER_DIVISOR);
            default -> false;
        };
        if (topK && choice == PcaOptions.Eigensolver.AUTO && !opts.isFixedK()) {
            double effectiveRank = effectiveRank(cov, d, total);
            int limit = Math.min(maxK, Math.max(1, d / TOP_K_VARIANCE_DIVISOR));
            if (effectiveRank > limit) {
                topK = false;
                detail = String.format(java.util.Locale.ROOT, "full solver: the covariance's effective rank "
                        + "(trace² / ‖C‖²_F = %.0f) is above the top-k limit %d for a variance fraction; ",
                        effectiveRank, limit);
                LOG.info("PCA eigensolver: {}", detail);
            }
        }
        if (topK) {
            int limit = Math.min(maxK, choice == PcaOptions.Eigensolver.AUTO
                    ? Math.max(1, d / TOP_K_VARIANCE_DIVISOR) : Math.max(1, d / 2));
            TopEigen solver = new TopEigen(cov, d, DenseOps.best(), Pca::smallEigen);
            try {
                TopEigen.Result r = opts.isFixedK() ? solver.leading(opts.k())
                        : solver.byFraction(opts.varianceFraction(), total, FRACTION_SLACK, limit);
                return new Solved(sorted(r.values(), i -> r.vectors()[i].clone()), "top-k", r.detail(), fallbacks);
            } catch (TopEigen.NotConverged e) {
                if (choice == PcaOptions.Eigensolver.AUTO && !opts.isFixedK()) {
                    detail = "top-k gave way to the full solver: " + e.getMessage() + "; ";
                    LOG.info("PCA eigensolver: {}", detail);
                } else {
                    fallbacks.add(warn("eigensolver TOP_K: " + e.getMessage() + " -> full"));
                }
            }
            choice = PcaOptions.Eigensolver.FULL;
        }
        if (choice == PcaOptions.Eigensolver.AUTO || choice == PcaOptions.Eigensolver.FULL) {
            if (NativeLinalg.get().lapack() != null) {
                choice = PcaOptions.Eigensolver.LAPACK;
            } else if (d >= NATIVE_EIGEN_MIN_DIMENSION) {
                choice = PcaOptions.Eigensolver.TENSORFLOW;
            } else {
                choice = PcaOptions.Eigensolver.EJML;
            }
        }
        if (choice == PcaOptions.Eigensolver.LAPACK) {
            if (NativeLinalg.get().lapack() != null) {
                return new Solved(lapackEigen(cov, d), "lapack", detail + "dsyevd, " + NativeLinalg.get().describe(),
                        fallbacks);
            }
            fallbacks.add(warn("eigensolver LAPACK: " + NativeLinalg.get().describe() + " -> ejml"));
        } else if (choice == PcaOptions.Eigensolver.TENSORFLOW) {
            try {
                return new Solved(tensorFlowEigen(cov, d), "tensorflow", detail + "SelfAdjointEigV2", fallbacks);
            } catch (RuntimeException | LinkageError e) {
                fallbacks.add(warn("eigensolver TENSORFLOW unavailable (" + e + ") -> ejml"));
            }
        }
        return new Solved(ejmlEigen(cov, d), "ejml", detail + "SymmetricQRAlgorithmDecomposition", fallbacks);
    }

    /**
     * The eigenvalues a fit with {@code opts} keeps for the d × d covariance {@code cov} (modified), descending,
     * and how they were found: the driver step alone, for benchmarks and diagnostics. {@code total} is the trace.
     */
    public static PcaFitInfo eigenStep(double[] cov, int d, PcaOptions opts, double[] valuesOut) {
        long start = System.nanoTime();
        double total = 0;
        for (int i = 0; i < d; i++) {
            total += cov[i * d + i];
        }
        Solved s = solve(cov, d, opts, total, d);
        int n = Math.min(valuesOut.length, s.eigen().values().length);
        System.arraycopy(s.eigen().values(), 0, valuesOut, 0, n);
        return new PcaFitInfo("none", s.solver(), s.detail(), s.fallbacks(), (System.nanoTime() - start) / 1e9);
    }

    private static String warn(String message) {
        LOG.warn("PCA: {}", message);
        return message;
    }

    /**
     * Full symmetric eigendecomposition of the d × d row-major {@code a} (modified) with the fastest full solver
     * here (native LAPACK, else TensorFlow for d ≥ {@value #NATIVE_EIGEN_MIN_DIMENSION}, else EJML).
     */
    static Eigen symmetricEigen(double[] a, int d) {
        return solve(a, d, PcaOptions.fixedK(d).withEigensolver(PcaOptions.Eigensolver.FULL), 1, d).eigen();
    }

    /** Small projected problems of {@link TopEigen}: native LAPACK when loaded, else EJML. */
    static Eigen smallEigen(double[] a, int m) {
        return NativeLinalg.get().lapack() != null ? lapackEigen(a, m) : ejmlEigen(a, m);
    }

    /**
     * The (at least) {@code count} leading eigenpairs of the small m × m symmetric row-major {@code a} (modified):
     * {@link TopEigen}'s Rayleigh–Ritz steps. LAPACK {@code dsyevr} (MRRR: tridiagonalization, then only the
     * wanted vectors) when the native LAPACK is loaded, else (or should it fail) all m pairs by
     * {@link #smallEigen(double[], int)}.
     */
    static Eigen smallEigen(double[] a, int m, int count) {
        LAPACK lapack = NativeLinalg.get().lapack();
        if (lapack == null || count >= m) {
            return smallEigen(a, m);
        }
        double[] copy = a.clone();
        double[] w = new double[m];
        double[] z = new double[m * m]; // the bindings check the sizes LAPACK needs for all m vectors
        int[] isuppz = new int[2 * m];
        intW found = new intW(0);
        intW info = new intW(0);
        double[] workQuery = new double[1];
        int[] iworkQuery = new int[1];
        lapack.dsyevr("V", "I", "L", m, a, m, 0.0, 0.0, m - count + 1, m, 0.0, found, w, z, m, isuppz,
                workQuery, -1, iworkQuery, -1, info);
        if (info.val == 0) {
            double[] work = new double[Math.max(1, (int) workQuery[0])];
            int[] iwork = new int[Math.max(1, iworkQuery[0])];
            lapack.dsyevr("V", "I", "L", m, a, m, 0.0, 0.0, m - count + 1, m, 0.0, found, w, z, m, isuppz,
                    work, work.length, iwork, iwork.length, info);
        }
        if (info.val != 0 || found.val != count) {
            return smallEigen(copy, m);
        }
        double[] values = new double[count];
        double[][] vectors = new double[count][];
        for (int r = 0; r < count; r++) {
            int i = count - 1 - r; // ascending in LAPACK
            values[r] = Math.max(0.0, w[i]);
            double[] v = Arrays.copyOfRange(z, i * m, (i + 1) * m);
            normalizeAndOrient(v);
            vectors[r] = v;
        }
        return new Eigen(values, vectors);
    }

    static Eigen tensorFlowEigen(double[] a, int d) {
        double[][] r = TensorFlowEigen.decompose(a, d);
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

    /** LAPACK {@code dsyevd} (divide and conquer, as numpy's {@code eigh}) on the native library; a is modified. */
    static Eigen lapackEigen(double[] a, int d) {
        LAPACK lapack = NativeLinalg.get().lapack();
        double[] w = new double[d];
        intW info = new intW(0);
        double[] workQuery = new double[1];
        int[] iworkQuery = new int[1];
        lapack.dsyevd("V", "L", d, a, Math.max(1, d), w, workQuery, -1, iworkQuery, -1, info);
        double[] work = new double[Math.max(1, (int) workQuery[0])];
        int[] iwork = new int[Math.max(1, iworkQuery[0])];
        lapack.dsyevd("V", "L", d, a, Math.max(1, d), w, work, work.length, iwork, iwork.length, info);
        if (info.val != 0) {
            throw new ArithmeticException("LAPACK dsyevd of a " + d + " × " + d + " covariance failed: info = "
                    + info.val);
        }
        return sorted(w, i -> Arrays.copyOfRange(a, i * d, (i + 1) * d));
    }

    static Eigen ejmlEigen(double[] a, int d) {
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
