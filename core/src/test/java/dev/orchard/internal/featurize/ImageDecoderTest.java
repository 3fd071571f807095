package dev.orchard.internal.featurize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.Preprocessing;
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

    /**
     * The resize against TensorFlow's own {@code ResizeBilinear(half_pixel_centers=True)} (what TF2's
     * {@code tf.image.resize} runs) on the same pixels, up- and downsampling, square and not, then the
     * preprocessing: equal to float rounding (values in [0, 255] before preprocessing).
     */
    @Test
    void resizeMatchesTensorFlowResizeBilinear() throws Exception {
        java.util.Random random = new java.util.Random(42);
        int[][] cases = {{100, 100, 224, 224}, {53, 37, 17, 29}, {300, 200, 224, 224}, {5, 9, 96, 64}, {64, 64, 64, 64}};
        for (int[] c : cases) {
            int sw = c[0];
            int sh = c[1];
            int th = c[2];
            int tw = c[3];
            BufferedImage img = new BufferedImage(sw, sh, BufferedImage.TYPE_INT_RGB);
            float[] pixels = new float[sw * sh * 3];
            for (int y = 0; y < sh; y++) {
                for (int x = 0; x < sw; x++) {
                    int rgb = random.nextInt(1 << 24);
                    img.setRGB(x, y, rgb);
                    int o = (y * sw + x) * 3;
                    pixels[o] = rgb >> 16 & 0xff;
                    pixels[o + 1] = rgb >> 8 & 0xff;
                    pixels[o + 2] = rgb & 0xff;
                }
            }
            float[] expected = tensorFlowResize(pixels, sh, sw, th, tw);
            for (Preprocessing p : Preprocessing.values()) {
                float[] want = expected.clone();
                p.applyInPlace(want, 0, th * tw);
                float[] got = new ImageDecoder(th, tw, p, 1_000_000).decode(png(img));
                assertArrayEquals(want, got, 2e-4f, p + " " + Arrays.toString(c));
            }
        }
    }

    private static float[] tensorFlowResize(float[] pixels, int h, int w, int th, int tw) {
        try (org.tensorflow.Graph g = new org.tensorflow.Graph();
             org.tensorflow.Session session = new org.tensorflow.Session(g)) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
            var in = tf.constant(org.tensorflow.ndarray.Shape.of(1, h, w, 3),
                    org.tensorflow.ndarray.buffer.DataBuffers.of(pixels));
            var out = tf.image.resizeBilinear(in, tf.constant(new int[] {th, tw}),
                    org.tensorflow.op.image.ResizeBilinear.halfPixelCenters(true));
            try (org.tensorflow.Result r = session.runner().fetch(out).run()) {
                float[] result = new float[th * tw * 3];
                ((org.tensorflow.types.TFloat32) r.get(0)).copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(result,
                        false, false));
                return result;
            }
        }
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
        assertReason(d, Arrays.copyOf(jpeg, 20), "truncated JPEG");
        assertReason(d, Arrays.copyOf(jpeg, jpeg.length / 2), "truncated JPEG");
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertReason(d, webp, "unsupported format: WebP");
        assertReason(new ImageDecoder(8, 8, Preprocessing.UNIT, 1000), jpeg, "too large");
    }

    private static void assertReason(ImageDecoder d, byte[] bytes, String expected) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> d.decode(bytes));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    @Test
    void grayscaleRepeatsTheGrayValueLikePil() throws Exception {
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 128);
        gray.getRaster().setSample(1, 0, 0, 30);
        float[] out = new ImageDecoder(1, 2, Preprocessing.UNIT, 100).decode(png(gray));
        assertArrayEquals(new float[] {128 / 255f, 128 / 255f, 128 / 255f, 30 / 255f, 30 / 255f, 30 / 255f}, out,
                (float) EXACT);
    }

    @Test
    void sixteenBitPngIsRoundedToEightBits() throws Exception {
        BufferedImage g16 = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(0, 0, 0, 257 * 200);
        float[] out = new ImageDecoder(1, 1, Preprocessing.UNIT, 100).decode(png(g16));
        assertEquals(200 / 255f, out[0], EXACT);
    }

    @Test
    void transparencyIsCompositedOnWhite() throws Exception {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00000000);  // fully transparent black
        argb.setRGB(1, 0, 0xFF102030);  // opaque
        float[] out = new ImageDecoder(1, 2, Preprocessing.UNIT, 100).decode(png(argb));
        assertArrayEquals(new float[] {1f, 1f, 1f, 0x10 / 255f, 0x20 / 255f, 0x30 / 255f}, out, (float) EXACT);
    }

    /** EXIF orientation 6 (rotate 90° clockwise): a 2x1 image becomes 1x2, left pixel on top. */
    @Test
    void exifOrientationIsApplied() throws Exception {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, x < 8 ? 0xFF0000 : 0x0000FF);  // left red, right blue
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        byte[] upright = out.toByteArray();
        byte[] rotated = withExifOrientation(upright, 6);
        ImageDecoder d = new ImageDecoder(2, 1, Preprocessing.UNIT, 1000);
        float[] plain = d.decode(upright);
        float[] turned = d.decode(rotated);
        // Stored 16x8 resized to 1x2 (w=1, h=2) mixes left and right; rotated it is 8x16: top red, bottom blue.
        assertTrue(turned[0] > 0.8f && turned[2] < 0.2f, Arrays.toString(turned));
        assertTrue(turned[3] < 0.2f && turned[5] > 0.8f, Arrays.toString(turned));
        assertTrue(Math.abs(plain[0] - plain[3]) < 0.1f, Arrays.toString(plain));
    }

    /** Inserts an APP1 Exif segment with one orientation entry right after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8,     // big-endian TIFF header, IFD0 at 8
            0, 1,                            // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,  // Orientation SHORT 1
            0, 0, 0, 0                       // no next IFD
        };
        int len = 2 + 6 + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** A plain (non-Adobe) CMYK JPEG: R = 255 (1 - C)(1 - K), etc. */
    @Test
    void cmykJpegIsConvertedToRgb() throws Exception {
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                r.setPixel(x, y, new int[] {0, 200, 200, 40});
            }
        }
        javax.imageio.ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new javax.imageio.IIOImage(r, null, null), w.getDefaultWriteParam());
        } finally {
            w.dispose();
        }
        float[] px = new ImageDecoder(1, 1, Preprocessing.UNIT, 1000).decode(out.toByteArray());
        float jpegSlack = 4 / 255f;
        assertArrayEquals(new float[] {215 / 255f, 46 / 255f, 46 / 255f}, px, jpegSlack, Arrays.toString(px));
    }

    /**
     * Each decode thread reuses one JPEG reader: after a truncated, corrupt, too-large, CMYK, gray or PNG
     * input on the same thread, a JPEG decodes to the same values as on a thread that never decoded anything.
     */
    @Test
    void jpegReaderReusedAfterFailuresAndOtherFormatsGivesTheSameValues() throws Exception {
        ImageDecoder d = new ImageDecoder(24, 20, Preprocessing.MOBILENET_V2, 10_000);
        byte[] good = jpg(gradient(64, 48));
        float[][] fresh = new float[1][];
        Thread t = new Thread(() -> {
            try {
                fresh[0] = d.decode(good);
            } catch (ImageDecodeException e) {
                throw new AssertionError(e);
            }
        });
        t.start();
        t.join();
        byte[] corrupt = good.clone();
        for (int i = corrupt.length / 2; i < corrupt.length / 2 + 40; i++) {
            corrupt[i] = (byte) 0xFF;
        }
        BufferedImage gray = new BufferedImage(30, 30, BufferedImage.TYPE_BYTE_GRAY);
        byte[][] others = {Arrays.copyOf(good, good.length / 2), corrupt, jpg(gradient(200, 200)),
            jpg(gray), png(gradient(5, 7)), "not an image".getBytes()};
        assertArrayEquals(fresh[0], d.decode(good));
        for (byte[] other : others) {
            try {
                d.decode(other);
            } catch (ImageDecodeException expected) {
                // a named reason; what matters is the next image
            }
            assertArrayEquals(fresh[0], d.decode(good));
        }
        assertReason(d, jpg(gradient(200, 200)), "too large");
        assertReason(d, Arrays.copyOf(good, good.length / 2), "truncated JPEG");
    }

    private static byte[] jpg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }
}
