package dev.orchard.internal.featurize;

import java.awt.image.Raster;

/**
 * CMYK and YCCK JPEGs (print workflows, Photoshop) that ImageIO refuses to turn into a BufferedImage:
 * their raw samples converted to RGB.
 *
 * <p>Adobe writes CMYK JPEGs with inverted samples (transform 0) and marks them with an APP14 segment; transform 2
 * means the first three channels are YCbCr-coded. The conversion is the naive device one,
 * {@code R = 255 (1 - C)(1 - K)}, without an ICC profile: colours are close, not colour-managed.
 */
final class Cmyk {

    private Cmyk() {}

    /**
     * @param raster         raw 4-channel (or 3-channel) samples from {@code ImageReader.readRaster} (Not modified)
     * @param adobeTransform the APP14 transform (-1 when absent)
     * @return packed 0xRRGGBB pixels
     */
    static int[] toRgb(Raster raster, int adobeTransform) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        int[] out = new int[w * h];
        int[] row = new int[w * bands];
        boolean inverted = adobeTransform >= 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = x * bands;
                if (bands < 4) {
                    int r = row[o];
                    int g = bands > 1 ? row[o + 1] : r;
                    int b = bands > 2 ? row[o + 2] : r;
                    out[y * w + x] = r << 16 | g << 8 | b;
                    continue;
                }
                double c = row[o];
                double m = row[o + 1];
                double ye = row[o + 2];
                double k = row[o + 3];
                if (adobeTransform == 2) {  // YCCK: YCbCr-coded inverted CMY
                    double yy = c;
                    double cb = m - 128;
                    double cr = ye - 128;
                    c = clamp(yy + 1.402 * cr);
                    m = clamp(yy - 0.344136 * cb - 0.714136 * cr);
                    ye = clamp(yy + 1.772 * cb);
                    // these are the inverted C, M, Y (i.e. 255 - ink); K stays inverted too
                } else if (!inverted) {
                    c = 255 - c;
                    m = 255 - m;
                    ye = 255 - ye;
                    k = 255 - k;
                }
                // now c, m, ye, k hold 255 - ink
                int r = (int) Math.round(c * k / 255.0);
                int g = (int) Math.round(m * k / 255.0);
                int b = (int) Math.round(ye * k / 255.0);
                out[y * w + x] = r << 16 | g << 8 | b;
            }
        }
        return out;
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }
}
