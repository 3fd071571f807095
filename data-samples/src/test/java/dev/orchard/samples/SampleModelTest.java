package dev.orchard.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleModelTest {

    /** Float32 results of the same model on the same input (as {@code Tolerances.F32} in core). */
    private static final double F32 = 1e-5;

    private static final Path COMMITTED = Path.of("models", "sample-cnn");

    @Test
    void committedModelIsSmallAndResolves() throws IOException {
        long bytes;
        try (Stream<Path> walk = Files.walk(COMMITTED)) {
            bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes < 2_000_000, "sample model is " + bytes + " bytes");
        ModelSpec spec = ModelPackage.fromDirectory(COMMITTED, ModelOverrides.none()).spec();
        assertEquals(new ModelSpec("serving_default", "input:0", "features:0", 100, 100, 128, Preprocessing.UNIT),
                spec);
    }

    @Test
    void committedModelIsWhatTheGeneratorMakes(@TempDir Path tmp) throws IOException {
        SampleModelGenerator.main(new String[] {tmp.resolve("m").toString()});
        float[] x = image(Path.of("fruits-sample", "Training", "Banana", "0_100.jpg"));
        try (LoadedModel committed = ExecutorModels.load(ModelPackage.fromDirectory(COMMITTED, null));
             LoadedModel fresh = ExecutorModels.load(ModelPackage.fromDirectory(tmp.resolve("m"), null))) {
            float[] a = committed.run(x, 1)[0];
            float[] b = fresh.run(x, 1)[0];
            assertEquals(128, a.length);
            double norm = 0;
            for (int i = 0; i < a.length; i++) {
                assertTrue(Float.isFinite(a[i]));
                assertEquals(a[i], b[i], F32, "feature " + i);
                norm += a[i] * a[i];
            }
            assertTrue(norm > 0, "all-zero features");
        }
    }

    /** One sample image, unit-preprocessed, NHWC. */
    private static float[] image(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        float[] x = new float[100 * 100 * 3];
        for (int y = 0; y < 100; y++) {
            for (int c = 0; c < 100; c++) {
                int rgb = img.getRGB(c, y);
                Preprocessing.UNIT.apply((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, x, (y * 100 + c) * 3);
            }
        }
        return x;
    }
}
