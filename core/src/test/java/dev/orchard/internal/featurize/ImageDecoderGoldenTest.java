package dev.orchard.internal.featurize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The decoder's output, bit for bit, against the output of the decoder as it was before the 96 px decode work
 * (main {@code 85ef1fe}): SHA-256 of the float bits of every decoded input, for the 384 sample JPEGs and 35
 * generated images (RGB / gray / ARGB PNGs, RGB / gray JPEGs, 1x1 to 640x480), at three target sizes (96, 224,
 * and 37x61: non-square, up and down) and the three preprocessings. Tolerance 0: a faster decoder must give the
 * same bits, so features stay exactly those of the previous pipeline.
 *
 * <p>The expected digests ({@code decoder-golden.txt}) were written by this test, at the old code, with
 * {@code -Dorchard.golden.write=PATH}. They hold for JDK 17's ImageIO (its bundled libjpeg and PNG reader, and
 * its JPEG writer for the generated JPEGs); Java float arithmetic is the same on every platform.
 */
class ImageDecoderGoldenTest {

    private static final Path SAMPLES = Path.of("..", "data-samples", "fruits-sample", "Training");
    private static final int[][] SIZES = {{96, 96}, {224, 224}, {37, 61}};

    /** Name to encoded bytes: the sample JPEGs, then the generated images. */
    static Map<String, byte[]> images() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
                out.put(SAMPLES.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        int[][] dims = {{1, 1}, {2, 3}, {17, 9}, {64, 64}, {100, 100}, {333, 211}, {640, 480}};
        for (int[] d : dims) {
            Random random = new Random(31L * d[0] + d[1]);
            BufferedImage rgb = new BufferedImage(d[0], d[1], BufferedImage.TYPE_INT_RGB);
            BufferedImage gray = new BufferedImage(d[0], d[1], BufferedImage.TYPE_BYTE_GRAY);
            BufferedImage argb = new BufferedImage(d[0], d[1], BufferedImage.TYPE_INT_ARGB);
            for (int y = 0; y < d[1]; y++) {
                for (int x = 0; x < d[0]; x++) {
                    // smooth gradients plus noise: JPEG-like content with edges
                    int r = (x * 255 / Math.max(1, d[0] - 1) + random.nextInt(24)) & 0xff;
                    int g = (y * 255 / Math.max(1, d[1] - 1) + random.nextInt(24)) & 0xff;
                    int b = ((x ^ y) * 7 + random.nextInt(16)) & 0xff;
                    rgb.setRGB(x, y, r << 16 | g << 8 | b);
                    gray.getRaster().setSample(x, y, 0, (r + g + b) / 3);
                    argb.setRGB(x, y, random.nextInt(256) << 24 | r << 16 | g << 8 | b);
                }
            }
            String size = d[0] + "x" + d[1];
            out.put("gen/rgb-" + size + ".png", encode(rgb, "png"));
            out.put("gen/gray-" + size + ".png", encode(gray, "png"));
            out.put("gen/argb-" + size + ".png", encode(argb, "png"));
            out.put("gen/rgb-" + size + ".jpg", encode(rgb, "jpg"));
            out.put("gen/gray-" + size + ".jpg", encode(gray, "jpg"));
        }
        return out;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    /** One line per image, target size and preprocessing: {@code name size preprocessing sha256}. */
    static List<String> digests(Map<String, byte[]> images) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int[] size : SIZES) {
            for (Preprocessing p : Preprocessing.values()) {
                ImageDecoder decoder = new ImageDecoder(size[0], size[1], p, ImageDecoder.DEFAULT_MAX_PIXELS);
                float[] out = new float[decoder.inputLength() + 5];
                for (Map.Entry<String, byte[]> e : images.entrySet()) {
                    // at an offset, in a dirty buffer: the decoder must write exactly its slice
                    java.util.Arrays.fill(out, Float.NaN);
                    decoder.decodeInto(e.getValue(), out, 5);
                    lines.add(e.getKey() + " " + size[0] + "x" + size[1] + " " + p + " " + sha256(out));
                }
            }
        }
        return lines;
    }

    private static String sha256(float[] v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putInt(Float.floatToRawIntBits(f));
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void outputIsBitIdenticalToThePreviousDecoder() throws Exception {
        Map<String, byte[]> images = images();
        assertEquals(419, images.size());
        List<String> actual = digests(images);
        String write = System.getProperty("orchard.golden.write");
        if (write != null) {
            Files.write(Path.of(write), actual, StandardCharsets.UTF_8);
        }
        List<String> expected;
        try (InputStream in = getClass().getResourceAsStream("decoder-golden.txt")) {
            assertTrue(in != null, "decoder-golden.txt missing");
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertEquals(419 * SIZES.length * Preprocessing.values().length, expected.size());
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                differ.add(actual.get(i));
            }
        }
        assertTrue(differ.isEmpty(), differ.size() + " of " + expected.size() + " outputs differ, e.g. "
                + differ.subList(0, Math.min(5, differ.size())));
    }
}
