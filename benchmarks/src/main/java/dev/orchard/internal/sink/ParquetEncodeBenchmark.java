package dev.orchard.internal.sink;

import dev.orchard.FeatureRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parquet encoding of feature rows as the sink writes them ({@code features/} schema: image id, label, label
 * index, a 3-level LIST of floats; Snappy), one part file of {@value #ROWS} rows per invocation, reported per
 * row: what each featurized image costs the Spark task thread to write. In this package (the benchmarks
 * module's copy of core's package) because the writer is internal.
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks package -DskipTests
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   org.openjdk.jmh.Main 'DecodeResizeBenchmark|ParquetEncodeBenchmark'
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParquetEncodeBenchmark {

    static final int ROWS = 1000;

    /** Feature width: MobileNetV2 1280, VGG16 fc2 4096. */
    @Param({"1280", "4096"})
    public int width;

    private FeatureRecord[] rows;
    private Path dir;
    private int file;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Random r = new Random(42);
        rows = new FeatureRecord[ROWS];
        for (int i = 0; i < ROWS; i++) {
            float[] f = new float[width];
            for (int j = 0; j < width; j++) {
                f[j] = Math.max(0, (float) r.nextGaussian()); // ReLU-like: about half zeros, as CNN features
            }
            rows[i] = new FeatureRecord("s3://bucket/Training/Class " + (i % 12) + "/r" + i + "_100.jpg",
                    "Class " + (i % 12), i % 12, f);
        }
        dir = Files.createTempDirectory("orchard-parquet-bench-");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long encode() throws IOException {
        Path p = dir.resolve("part-" + (file++ % 4) + ".parquet");
        try (ParquetRowWriter<FeatureRecord> w = ParquetFiles.writer(p, Table.FEATURES)) {
            for (FeatureRecord r : rows) {
                w.write(r);
            }
        }
        return Files.size(p);
    }
}
