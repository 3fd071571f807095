package dev.orchard.featurize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private static final double EXACT = 1e-6;

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 10 % 256) << 16 | (y * 20 % 256) << 8 | 7);
            }
        }
        return img;
    }

    @Test
    void sameSizeCopiesPixelsExactly() throws Exception {
        BufferedImage img = gradient(4, 3);
        float[] out = new ImageDecoder(3, 4, Preprocessing.UNIT, 100).decode(png(img));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int o = (y * 4 + x) * 3;
                assertEquals(x * 10 / 255f, out[o], EXACT);
                assertEquals(y * 20 / 255f, out[o + 1], EXACT);
                assertEquals(7 / 255f, out[o + 2], EXACT);
            }
        }
    }

    /** 2x1 → 4x1 with half-pixel centres: samples at -0.25, 0.25, 0.75, 1.25 → clamp, lerp, lerp, clamp. */
    @Test
    void upsamplingUsesHalfPixelCenters() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x000000);
        img.setRGB(1, 0, 0xC80000);  // red 200
        float[] out = new ImageDecoder(1, 4, Preprocessing.UNIT, 100).decode(png(img));
        float[] red = {out[0], out[3], out[6], out[9]};
        assertArrayEquals(new float[] {0f, 50f / 255, 150f / 255, 200f / 255}, red, (float) EXACT);
    }

    /** 4x4 → 2x2 with half-pixel centres averages each 2x2 block (samples at 0.5, 2.5). */
    @Test
    void downsamplingByTwoAveragesBlocks() throws Exception {
        BufferedImage img = gradient(4, 4);
        float[] out = new ImageDecoder(2, 2, Preprocessing.UNIT, 100).decode(png(img));
        assertEquals((0 + 10) / 2f / 255f, out[0], EXACT);
        assertEquals((20 + 30) / 2f / 255f, out[3], EXACT);
        assertEquals((40 + 60) / 2f / 255f, out[2 * 3 + 1], EXACT);
    }

    @Test
    void preprocessingModesMatchKeras() throws Exception {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 255 << 16 | 0 << 8 | 51);
        byte[] bytes = png(img);
        assertArrayEquals(new float[] {1f, -1f, 51 / 127.5f - 1f},
                new ImageDecoder(1, 1, Preprocessing.MOBILENET_V2, 10).decode(bytes), (float) EXACT);
        assertArrayEquals(new float[] {51 - 103.939f, 0 - 116.779f, 255 - 123.68f},
                new ImageDecoder(1, 1, Preprocessing.VGG16, 10).decode(bytes), 1e-4f);
    }

    @Test
    void badInputsGetReasons() throws Exception {
        ImageDecoder d = new ImageDecoder(8, 8, Preprocessing.UNIT, 10_000);
        assertReason(d, new byte[0], "empty file");
        assertReason(d, "hello, I am text".getBytes(), "not an image");
        byte[] jpeg;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(gradient(64, 64), "jpg", out);
        jpeg = out.toByteArray();
        assertReason(d, Arrays.copyOf(jpeg, 20), "corrupt or truncated");
        assertReason(new ImageDecoder(8, 8, Preprocessing.UNIT, 1000), jpeg, "too large");
    }

    private static void assertReason(ImageDecoder d, byte[] bytes, String expected) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> d.decode(bytes));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
