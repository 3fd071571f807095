package dev.orchard.bench.pca;

import dev.orchard.internal.pca.Moments;
import dev.orchard.internal.pca.Pca;
import dev.orchard.PcaModel;
import dev.orchard.PcaOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Fits PCA on one cached RDD of n × d dense rows with Orchard ({@link Pca}; variants {@code orchard-<kernel>} for
 * each {@link PcaOptions.Kernel}) and with Spark MLlib's {@code RowMatrix.computePrincipalComponentsAndExplainedVariance}, side by side in one JVM,
 * and reports times and the agreement of the two fits. An end-to-end run, not a JMH microbenchmark: each fit is
 * tens of seconds of Spark jobs, so one cold run per variant after a small warm-up.
 *
 * <pre>
 * ./mvnw -B -o -q -pl benchmarks -am package -DskipTests
 * java -Xmx12g $(spark java17 --add-opens, see README) --add-modules jdk.incubator.vector \
 *     -cp "benchmarks/target/classes:benchmarks/target/lib/*" \
 *     dev.orchard.bench.pca.PcaVsMllib --rows 200000 --dim 1280 --k 50 --partitions 4 --master local[2]
 * </pre>
 * {@code --eigensolvers top-k,lapack,tensorflow,top-k} also fits each Orchard variant's moments with each driver
 * eigensolver in that order (k fixed; {@code top-k-blas}: top-k with its Vector API products turned off), and with {@code --variance F} by variance with
 * {@code --variance-eigensolvers} (default {@code auto,lapack,auto}); {@code --dump FILE} writes the
 * rows as raw float64 for {@code benchmarks/scripts/pca_numpy.py}. The whole comparison: {@code
 * benchmarks/scripts/pca-compare.sh}.
 *
 * Data: {@code x = offset + H3 H2 H1 (sigma ∘ z)}, z standard normal, {@code sigma_i = exp(-i / (d/8))} (a
 * decaying spectrum like CNN features), H random Householder reflections, seeded per partition.
 */
public final class PcaVsMllib {

    private PcaVsMllib() {}

    public static void main(String[] args) {
        int rows = 200_000;
        int dim = 1280;
        int k = 50;
        int partitions = 4;
        String master = "local[2]";
        String variants = "orchard-auto,mllib,orchard-auto";
        String eigensolvers = "";
        double variance = 0;
        String dump = null;
        String varianceSolvers = "auto,lapack,auto";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--dim" -> dim = Integer.parseInt(args[i + 1]);
                case "--k" -> k = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--master" -> master = args[i + 1];
                case "--variants" -> variants = args[i + 1];
                case "--eigensolvers" -> eigensolvers = args[i + 1];
                case "--variance" -> variance = Double.parseDouble(args[i + 1]);
                case "--dump" -> dump = args[i + 1];
                case "--variance-eigensolvers" -> varianceSolvers = args[i + 1];
                default -> throw new IllegalArgumentException("unknown flag " + args[i]
                        + " (known: --rows --dim --k --partitions --master --variants --eigensolvers --variance"
                        + " --variance-eigensolvers --dump)");
            }
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName("orchard-pca-vs-mllib")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.maxResultSize", "2g");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            final int n = rows;
            final int d = dim;
            final int parts = partitions;
            JavaRDD<double[]> data = sc.parallelize(IntStream.range(0, parts).boxed().toList(), parts)
                    .mapPartitions(it -> generate(it.next(), d, n, parts))
                    .persist(StorageLevel.MEMORY_ONLY());
            long t0 = System.nanoTime();
            long count = data.count();
            System.out.printf("data: %d x %d doubles in %d partitions, cached in %.1f s (master %s, %d cores)%n",
                    count, d, data.getNumPartitions(), secs(t0), master, Runtime.getRuntime().availableProcessors());

            if (dump != null) {
                dump(data, dump);
            }
            // warm-up: JIT, TensorFlow native load, Spark code paths (small sample, not timed)
            JavaRDD<double[]> sample = data.sample(false, Math.min(1.0, 2_000.0 / n), 1);
            for (PcaOptions.Kernel kernel : PcaOptions.Kernel.values()) {
                if (variants.contains("orchard-" + kernel.name().toLowerCase(java.util.Locale.ROOT))) {
                    Pca.moments(sample, kernel);
                }
            }
            if (variants.contains("mllib")) {
                new RowMatrix(sample.map(Vectors::dense).rdd()).computePrincipalComponentsAndExplainedVariance(k);
            }

            PcaModel orchard = null;
            List<String> lines = new ArrayList<>();
            double orchardBest = Double.MAX_VALUE;
            for (String variant : variants.split(",")) {
                if (variant.startsWith("orchard-")) {
                    PcaOptions.Kernel kernel = PcaOptions.Kernel.valueOf(
                            variant.substring("orchard-".length()).toUpperCase(java.util.Locale.ROOT));
                    PcaOptions opts = PcaOptions.fixedK(k).withKernel(kernel);
                    long a = System.nanoTime();
                    long cpu0 = cpuNanos();
                    Moments m = Pca.moments(data, kernel);
                    double tMoments = secs(a);
                    long b = System.nanoTime();
                    PcaModel model = Pca.fromMoments(m, opts);
                    double tEig = secs(b);
                    double total = tMoments + tEig;
                    double cpuTotal = (cpuNanos() - cpu0) / 1e9;
                    lines.add(String.format("%-20s total %7.2f s, CPU %7.2f s  (moments pass %7.2f s = %.1f GFLOP/s, "
                            + "driver eigen %5.2f s)  kernel %s, eigensolver %s%s%s", variant, total, cpuTotal, tMoments,
                            (double) n * d * (d + 1) / tMoments / 1e9, tEig, model.fitInfo().gramKernel(),
                            model.fitInfo().eigensolver(), model.fitInfo().fallbacks().isEmpty() ? ""
                                    : " fallbacks " + model.fitInfo().fallbacks(), load()));
                    System.out.println(lines.get(lines.size() - 1));
                    if (!eigensolvers.isEmpty()) {
                        compareEigensolvers(m, k, variance, eigensolvers, varianceSolvers);
                    }
                    if (orchard == null) {
                        orchard = model;
                    }
                    orchardBest = Math.min(orchardBest, total);
                } else if (variant.equals("mllib")) {
                    JavaRDD<Vector> vectors = data.map(Vectors::dense); // wraps the cached arrays, no copy
                    long a = System.nanoTime();
                    long cpu0 = cpuNanos();
                    Tuple2<Matrix, Vector> pc = new RowMatrix(vectors.rdd())
                            .computePrincipalComponentsAndExplainedVariance(k);
                    double t = secs(a);
                    lines.add(String.format("%-20s total %7.2f s, CPU %7.2f s%s", "mllib-rowmatrix", t,
                            (cpuNanos() - cpu0) / 1e9, load()));
                    System.out.println(lines.get(lines.size() - 1));
                    if (orchard != null) {
                        System.out.println(agreement(orchard, pc._1(), pc._2(), k));
                        System.out.printf("speed-up of the fastest Orchard variant over MLlib: %.1fx%n",
                                t / orchardBest);
                    }
                } else {
                    throw new IllegalArgumentException("unknown variant " + variant);
                }
            }
            data.unpersist(true);
        }
    }

    /**
     * Fits the same moments with each eigensolver in the list, in its order (repeat one to interleave), k fixed and
     * then by variance when {@code variance > 0}, printing the driver time (wall and this process's CPU) and the
     * agreement with the first solver's model.
     */
    /** System property that turns the top-k solver's Vector API products off (core's VectorProducts). */
    private static final String VECTOR_PRODUCTS = "orchard.pca.vectorProducts";

    private static void compareEigensolvers(Moments m, int k, double variance, String solvers,
            String varianceSolvers) {
        List<PcaOptions> targets = new ArrayList<>();
        targets.add(PcaOptions.fixedK(k));
        if (variance > 0) {
            targets.add(PcaOptions.variance(variance));
        }
        for (PcaOptions target : targets) {
            PcaModel first = null;
            {
                for (String s : (target.isFixedK() ? solvers : varianceSolvers).split(",")) {
                    // "<solver>-blas": the same solver with the Vector API products turned off for this fit
                    boolean blasOnly = s.endsWith("-blas");
                    PcaOptions.Eigensolver solver = PcaOptions.Eigensolver.valueOf((blasOnly
                            ? s.substring(0, s.length() - "-blas".length()) : s)
                            .toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
                    if (blasOnly) {
                        System.setProperty(VECTOR_PRODUCTS, "false");
                    }
                    long a = System.nanoTime();
                    long cpu = cpuNanos();
                    PcaModel model;
                    try {
                        model = Pca.fromMoments(m, target.withEigensolver(solver));
                    } finally {
                        System.clearProperty(VECTOR_PRODUCTS);
                    }
                    double t = secs(a);
                    double tCpu = (cpuNanos() - cpu) / 1e9;
                    if (first == null) {
                        first = model;
                    }
                    double worstRatio = 0;
                    double worstComponent = 0;
                    for (int j = 0; j < Math.min(first.k(), model.k()); j++) {
                        worstRatio = Math.max(worstRatio, Math.abs(model.explainedVarianceRatio()[j]
                                - first.explainedVarianceRatio()[j]) / first.explainedVarianceRatio()[j]);
                        double plus = 0;
                        double minus = 0;
                        double[] x = model.components()[j];
                        double[] y = first.components()[j];
                        for (int i = 0; i < x.length; i++) {
                            plus = Math.max(plus, Math.abs(x[i] - y[i]));
                            minus = Math.max(minus, Math.abs(x[i] + y[i]));
                        }
                        worstComponent = Math.max(worstComponent, Math.min(plus, minus));
                    }
                    System.out.printf("  eigen %-10s %-14s k=%4d  driver %7.2f s (CPU %7.2f s)  vs first: ratios %.1e, "
                            + "components %.1e  [%s: %s]%s%s%n", s, target.isFixedK() ? "k=" + target.k()
                                    : "variance " + target.varianceFraction(), model.k(), t, tCpu, worstRatio,
                            worstComponent, model.fitInfo().eigensolver(), model.fitInfo().detail(),
                            model.fitInfo().fallbacks().isEmpty() ? "" : " fallbacks " + model.fitInfo().fallbacks(),
                            load());
                }
            }
        }
    }

    /** Writes the rows, in partition order, as raw little-endian float64 (n × d), for the numpy comparison. */
    private static void dump(JavaRDD<double[]> data, String path) {
        long t0 = System.nanoTime();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(java.nio.file.Path.of(path),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            Iterator<double[]> it = data.toLocalIterator();
            java.nio.ByteBuffer buf = null;
            while (it.hasNext()) {
                double[] row = it.next();
                if (buf == null) {
                    buf = java.nio.ByteBuffer.allocateDirect(row.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                }
                buf.clear();
                buf.asDoubleBuffer().put(row);
                buf.limit(row.length * 8);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + path, e);
        }
        System.out.printf("data written to %s in %.1f s%n", path, secs(t0));
    }

    private static String agreement(PcaModel orchard, Matrix mllibPc, Vector mllibRatio, int k) {
        double[][] c = orchard.components();
        double[] ratio = orchard.explainedVarianceRatio();
        double worstComponent = 0;
        int worstJ = -1;
        double worstRatio = 0;
        for (int j = 0; j < k; j++) {
            double plus = 0;
            double minus = 0;
            for (int i = 0; i < c[j].length; i++) {
                double m = mllibPc.apply(i, j);
                plus = Math.max(plus, Math.abs(c[j][i] - m));
                minus = Math.max(minus, Math.abs(c[j][i] + m));
            }
            double diff = Math.min(plus, minus);
            if (diff > worstComponent) {
                worstComponent = diff;
                worstJ = j;
            }
            worstRatio = Math.max(worstRatio, Math.abs(ratio[j] - mllibRatio.apply(j)) / mllibRatio.apply(j));
        }
        return String.format("agreement Orchard vs MLlib over k=%d: components max |diff| up to sign %.2e "
                + "(component %d), explained-variance ratios max relative diff %.2e", k, worstComponent, worstJ,
                worstRatio);
    }

    private static Iterator<double[]> generate(int part, int d, int n, int parts) {
        int from = (int) ((long) n * part / parts);
        int to = (int) ((long) n * (part + 1) / parts);
        Random shared = new Random(42); // the same rotation and offset in every partition
        double[][] house = new double[3][d];
        for (double[] h : house) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                h[i] = shared.nextGaussian();
                norm += h[i] * h[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                h[i] /= norm;
            }
        }
        double[] offset = new double[d];
        for (int i = 0; i < d; i++) {
            offset[i] = 2 + shared.nextGaussian();
        }
        double decay = d / 8.0;
        Random rnd = new Random(1000 + part);
        List<double[]> out = new ArrayList<>(to - from);
        for (int r = from; r < to; r++) {
            double[] row = new double[d];
            for (int i = 0; i < d; i++) {
                row[i] = Math.exp(-i / decay) * rnd.nextGaussian();
            }
            for (double[] h : house) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += h[i] * row[i];
                }
                for (int i = 0; i < d; i++) {
                    row[i] -= 2 * dot * h[i];
                }
            }
            for (int i = 0; i < d; i++) {
                row[i] += offset[i];
            }
            out.add(row);
        }
        return out.iterator();
    }

    /** The machine's 1-minute load average at the end of a variant (other processes share the cores). */
    private static String load() {
        return String.format("  [load avg %.1f]",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** CPU time of this whole process (all threads, native BLAS threads included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
