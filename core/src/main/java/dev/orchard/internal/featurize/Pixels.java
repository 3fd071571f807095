package dev.orchard.internal.featurize;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Packed {@code 0xRRGGBB} pixels from any decoded image, read from the raster's samples rather than
 * {@link BufferedImage#getRGB}: that call sends grayscale through a linear-light colour space and
 * brightens it, where Keras/PIL simply repeat the gray value in R, G and B.
 *
 * <p>Rules: 8-bit samples as they are; 16-bit samples rounded to 8 bits ({@code (v + 128) / 257});
 * gray repeated in R, G, B; palettes looked up; transparency composited on white (Fruits-360's
 * background), so a cut-out fruit on a transparent PNG looks like one on white.
 */
final class Pixels {

    private Pixels() {}

    /**
     * <p>ImageIO decodes 4-channel JPEGs as CMYK with samples in Adobe's inverted convention
     * ({@code 255 - ink}, YCCK already undone) but its conversion to RGB is wrong, so Orchard converts
     * the samples itself (measured: a plain CMYK JPEG of C=0, M=Y=200, K=40 reads back as 255, 55, 55, 215).
     */
    static int[] rgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int type = cm.getColorSpace().getType();
        if (type == ColorSpace.TYPE_CMYK && raster.getNumBands() == 4) {
            return Cmyk.toRgb(raster, 0);
        }
        int[] fast = interleavedBytes(img);
        if (fast != null) {
            return fast;
        }
        boolean plain = !(cm instanceof IndexColorModel)
                && (type == ColorSpace.TYPE_GRAY || type == ColorSpace.TYPE_RGB)
                && sameBits(cm);
        int[] out = new int[w * h];
        if (!plain) {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                out[i] = onWhite(argb[i] >>> 24, argb[i] >> 16 & 0xff, argb[i] >> 8 & 0xff, argb[i] & 0xff);
            }
            return out;
        }
        int bands = raster.getNumBands();
        int bits = cm.getComponentSize(0);
        boolean alpha = cm.hasAlpha();
        int colorBands = type == ColorSpace.TYPE_GRAY ? 1 : 3;
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = x * bands;
                int r = to8(row[o], bits);
                int g = colorBands == 3 ? to8(row[o + 1], bits) : r;
                int b = colorBands == 3 ? to8(row[o + 2], bits) : r;
                int a = alpha ? to8(row[o + colorBands], bits) : 255;
                out[y * w + x] = onWhite(a, r, g, b);
            }
        }
        return out;
    }

    /**
     * What ImageIO's JPEG reader returns for nearly every photo, {@link BufferedImage#TYPE_3BYTE_BGR} (and
     * {@link BufferedImage#TYPE_BYTE_GRAY} for grayscale), read straight from its byte array: the same values
     * the general path below gets through {@code Raster.getPixels}, at a fraction of the cost (measured: that
     * call was ~60 % of decoding a 100x100 JPEG, one virtual call per sample). {@code null} for any other
     * layout (the general path handles it).
     */
    private static int[] interleavedBytes(BufferedImage img) {
        int imageType = img.getType();
        if (imageType != BufferedImage.TYPE_3BYTE_BGR && imageType != BufferedImage.TYPE_BYTE_GRAY) {
            return null;
        }
        Raster raster = img.getRaster();
        if (!(raster.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof ComponentSampleModel sm)
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return null;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int pixelStride = sm.getPixelStride();
        int scanline = sm.getScanlineStride();
        int[] offsets = sm.getBandOffsets();
        byte[] data = db.getData();
        int base = db.getOffset();
        int[] out = new int[w * h];
        if (imageType == BufferedImage.TYPE_BYTE_GRAY) {
            for (int y = 0; y < h; y++) {
                int i = base + y * scanline + offsets[0];
                for (int x = 0; x < w; x++, i += pixelStride) {
                    int v = data[i] & 0xff;
                    out[y * w + x] = v << 16 | v << 8 | v;
                }
            }
            return out;
        }
        int ro = offsets[0];
        int go = offsets[1];
        int bo = offsets[2];
        for (int y = 0; y < h; y++) {
            int i = base + y * scanline;
            for (int x = 0; x < w; x++, i += pixelStride) {
                out[y * w + x] = (data[i + ro] & 0xff) << 16 | (data[i + go] & 0xff) << 8 | (data[i + bo] & 0xff);
            }
        }
        return out;
    }

    private static boolean sameBits(ColorModel cm) {
        int bits = cm.getComponentSize(0);
        for (int i = 1; i < cm.getNumComponents(); i++) {
            if (cm.getComponentSize(i) != bits) {
                return false;
            }
        }
        return bits == 8 || bits == 16;
    }

    private static int to8(int v, int bits) {
        return bits == 16 ? (v + 128) / 257 : v;
    }

    private static int onWhite(int a, int r, int g, int b) {
        if (a == 255) {
            return r << 16 | g << 8 | b;
        }
        int ir = (r * a + 255 * (255 - a) + 127) / 255;
        int ig = (g * a + 255 * (255 - a) + 127) / 255;
        int ib = (b * a + 255 * (255 - a) + 127) / 255;
        return ir << 16 | ig << 8 | ib;
    }
}
