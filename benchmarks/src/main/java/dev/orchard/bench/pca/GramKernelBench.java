package dev.orchard.bench.pca;

import dev.orchard.PcaOptions;
import dev.orchard.internal.pca.GramKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One block's Gram product {@code X^T X} (the inner kernel of the PCA moments pass), per {@link PcaOptions.Kernel},
 * single-threaded as in a Spark task: the block is what {@code Moments} buffers (≈ 16 MB of rows: 1638 rows at
 * d = 1280, 512 at d = 4096). Useful work per op: {@code rows · d · (d + 1)} flops (the triangle), so
 * GFLOP/s = that / (ms/op · 1e6). A kernel that is not available here fails the trial instead of measuring its
 * fallback.
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks -am package -DskipTests
 * OPENBLAS_NUM_THREADS=1 java -cp "benchmarks/target/classes:benchmarks/target/lib/*" org.openjdk.jmh.Main \
 *     'dev.orchard.bench.pca.*Bench' -rf text -rff /tmp/pca-jmh.txt
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class GramKernelBench {

    @Param({"1280", "4096"})
    public int d;

    @Param({"JAVA", "TENSORFLOW", "BLAS"})
    public PcaOptions.Kernel kernel;

    private int rows;
    private double[] x;
    private double[] g;
    private GramKernels.Opened opened;

    @Setup
    public void setUp() {
        rows = (int) Math.max(256, Math.min(2048, (16L << 20) / (8L * d)));
        x = new double[rows * d];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        g = new double[d * d];
        opened = GramKernels.open(d, kernel);
        if (opened.fallback() != null) {
            opened.kernel().close();
            throw new IllegalStateException("kernel " + kernel + " is not available here: " + opened.fallback());
        }
    }

    @Benchmark
    public double[] gram() {
        opened.kernel().gram(x, rows, d, g);
        return g;
    }

    @TearDown
    public void tearDown() {
        opened.kernel().close();
    }
}
