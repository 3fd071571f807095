package dev.orchard.bench.jmh;

import dev.orchard.internal.featurize.ImageDecodeException;
import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.internal.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
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
 * Decode + resize + preprocess of one Fruits-360 sample JPEG (100x100) into a model input, one thread: what
 * every image costs on the featurize decode thread. {@code stage}:
 * <ul>
 *   <li>{@code full}: {@link ImageDecoder#decodeInto}, what the pipeline runs (marker scan, ImageIO JPEG
 *       decode, pixels, orientation, half-pixel bilinear resize, preprocessing, into the batch array);</li>
 *   <li>{@code imageio-read}: {@code ImageIO.read} alone (reader lookup, decode to a {@link BufferedImage}),
 *       for the split: full minus this is Orchard's own pixel/resize work.</li>
 * </ul>
 * The images cycle through the 384 committed samples, so the caches see real variety.
 *
 * <pre>
 * ./mvnw -B -o -q -pl core,job,benchmarks package -DskipTests
 * java -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   org.openjdk.jmh.Main 'DecodeResizeBenchmark|ParquetEncodeBenchmark' -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecodeResizeBenchmark {

    @Param({"96", "224"})
    public int size;

    @Param({"full", "imageio-read"})
    public String stage;

    /** Root of the sample JPEGs; run from the repository root or pass {@code -p sample=DIR}. */
    @Param("data-samples/fruits-sample/Training")
    public String sample;

    private byte[][] jpegs;
    private ImageDecoder decoder;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        jpegs = loadSample(Path.of(sample));
        decoder = new ImageDecoder(size, size, Preprocessing.MOBILENET_V2, ImageDecoder.DEFAULT_MAX_PIXELS);
        out = new float[decoder.inputLength()];
    }

    static byte[][] loadSample(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root.toAbsolutePath() + " not found: run from the repository root"
                    + " or pass -p sample=DIR");
        }
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> files = s.filter(p -> p.toString().toLowerCase().endsWith(".jpg")).sorted().toList();
            byte[][] b = new byte[files.size()][];
            for (int i = 0; i < b.length; i++) {
                b[i] = Files.readAllBytes(files.get(i));
            }
            return b;
        }
    }

    @Benchmark
    public Object decode() throws ImageDecodeException, IOException {
        byte[] jpeg = jpegs[next++ % jpegs.length];
        if (stage.equals("full")) {
            decoder.decodeInto(jpeg, out, 0);
            return out;
        }
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }
}
