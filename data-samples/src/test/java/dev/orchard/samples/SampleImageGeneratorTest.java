package dev.orchard.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleImageGeneratorTest {

    /** Mean absolute difference per 8-bit channel allowed between two JPEG decodes of one drawing. */
    private static final double JPEG_PIXEL_TOLERANCE = 1.0;

    /** The committed set, relative to the module directory (where surefire runs). */
    private static final Path COMMITTED = Path.of("fruits-sample");

    @TempDir
    static Path tmp;

    private static Path first;

    @BeforeAll
    static void generate() throws IOException {
        System.setProperty("java.awt.headless", "true");
        first = tmp.resolve("a");
        assertEquals(12 * 32, SampleImageGenerator.generate(first, SampleImageGenerator.DEFAULT_SEED, 32));
    }

    @Test
    void sameSeedGivesByteIdenticalFiles() throws IOException {
        Path second = tmp.resolve("b");
        SampleImageGenerator.generate(second, SampleImageGenerator.DEFAULT_SEED, 32);
        List<Path> a = files(first);
        List<Path> b = files(second);
        assertEquals(a.stream().map(p -> first.relativize(p).toString()).toList(),
                b.stream().map(p -> second.relativize(p).toString()).toList());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
    }

    @Test
    void anotherSeedGivesOtherImages() throws IOException {
        Path other = tmp.resolve("other");
        SampleImageGenerator.generate(other, SampleImageGenerator.DEFAULT_SEED + 1, 1);
        Path f = Path.of("Training", "Apple Red", "0_100.jpg");
        assertFalse(Arrays.equals(Files.readAllBytes(first.resolve(f)), Files.readAllBytes(other.resolve(f))));
    }

    @Test
    void fruits360Layout() throws IOException {
        Path training = first.resolve("Training");
        TreeSet<String> classes = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(training)) {
            dirs.forEach(d -> classes.add(d.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(SampleImageGenerator.classNames()), classes);
        assertEquals(12, classes.size());
        assertTrue(classes.contains("Apple Red") && classes.contains("Grape White"), classes.toString());
        for (String c : classes) {
            for (int i = 0; i < 32; i++) {
                Path img = training.resolve(c).resolve(i + "_100.jpg");
                BufferedImage decoded = ImageIO.read(img.toFile());
                assertNotNull(decoded, img.toString());
                assertEquals(100, decoded.getWidth());
                assertEquals(100, decoded.getHeight());
                // White background: the corners are (near) white.
                int corner = decoded.getRGB(0, 0);
                assertTrue((corner & 0xff) > 240 && ((corner >> 8) & 0xff) > 240 && ((corner >> 16) & 0xff) > 240,
                        img + " corner " + Integer.toHexString(corner));
            }
        }
        try (Stream<Path> all = Files.walk(training)) {
            assertEquals(12 * 32, all.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void committedImagesAreWhatTheGeneratorMakes() throws IOException {
        List<Path> generated = files(first);
        List<Path> committed = files(COMMITTED);
        assertEquals(generated.size(), committed.size(), "regenerate data-samples/fruits-sample (see README)");
        for (Path g : generated) {
            Path c = COMMITTED.resolve(first.relativize(g).toString());
            assertTrue(Files.isRegularFile(c), "missing committed " + c);
            double diff = meanAbsDiff(ImageIO.read(g.toFile()), ImageIO.read(c.toFile()));
            assertTrue(diff <= JPEG_PIXEL_TOLERANCE, c + " differs from the generator's output by " + diff);
        }
    }

    private static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        assertEquals(a.getWidth(), b.getWidth());
        assertEquals(a.getHeight(), b.getHeight());
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    sum += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
