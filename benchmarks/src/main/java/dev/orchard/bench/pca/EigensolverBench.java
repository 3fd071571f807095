package dev.orchard.bench.pca;

import dev.orchard.PcaFitInfo;
import dev.orchard.PcaOptions;
import dev.orchard.internal.pca.Pca;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The PCA driver step alone ({@link Pca#eigenStep}): the k = 50 leading eigenpairs of a d × d covariance with
 * each {@link PcaOptions.Eigensolver}. The covariance is {@code H3 H2 H1 diag(λ) H1 H2 H3} (three random Householder
 * reflections: a dense rotation), {@code λ_i = exp(-16 i / d)} — the population spectrum of
 * {@link PcaVsMllib}'s data, slowly decaying like CNN features. Single shot per iteration (a full decomposition at
 * d = 4096 takes tens of seconds); the matrix is copied before each call (solvers overwrite it). A solver that
 * falls back fails the trial.
 *
 * <pre>
 * java -cp "benchmarks/target/classes:benchmarks/target/lib/*" org.openjdk.jmh.Main EigensolverBench
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class EigensolverBench {

    @Param({"1280", "4096"})
    public int d;

    @Param({"50"})
    public int k;

    @Param({"TOP_K", "LAPACK", "TENSORFLOW"})
    public PcaOptions.Eigensolver solver;

    private double[] cov;
    private double[] work;
    private final double[] values = new double[1];

    @Setup(Level.Trial)
    public void setUp() {
        cov = rotatedDiagonal(d, new Random(42));
        work = new double[d * d];
    }

    @Setup(Level.Invocation)
    public void copy() {
        System.arraycopy(cov, 0, work, 0, cov.length);
    }

    @Benchmark
    public double leading() {
        PcaFitInfo info = Pca.eigenStep(work, d, PcaOptions.fixedK(k).withEigensolver(solver), values);
        if (!info.fallbacks().isEmpty()) {
            throw new IllegalStateException(solver + " fell back: " + info.fallbacks());
        }
        return values[0];
    }

    /** {@code H3 H2 H1 diag(λ) H1 H2 H3}, λ_i = exp(-16 i / d), full row-major, in O(d²) per reflection. */
    static double[] rotatedDiagonal(int d, Random rnd) {
        double[] a = new double[d * d];
        for (int i = 0; i < d; i++) {
            a[i * d + i] = Math.exp(-16.0 * i / d);
        }
        double[] v = new double[d];
        double[] av = new double[d];
        for (int h = 0; h < 3; h++) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                v[i] = rnd.nextGaussian();
                norm += v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                v[i] /= norm;
            }
            // H A H = A - 2 v (A v)^T - 2 (A v) v^T + 4 (v^T A v) v v^T, A symmetric
            double vav = 0;
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += a[i * d + j] * v[j];
                }
                av[i] = s;
                vav += v[i] * s;
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    a[i * d + j] += -2 * v[i] * av[j] - 2 * av[i] * v[j] + 4 * vav * v[i] * v[j];
                }
            }
        }
        return a;
    }
}
