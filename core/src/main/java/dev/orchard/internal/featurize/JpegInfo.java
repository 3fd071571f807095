package dev.orchard.internal.featurize;

/**
 * What ImageIO does not tell about a JPEG, read from its markers: the EXIF orientation (APP1), the
 * Adobe colour transform (APP14: CMYK vs YCCK, inverted samples), and whether the file ends with an
 * end-of-image marker. Parses headers only; never throws on odd input (it reports what it found).
 */
final class JpegInfo {

    /** EXIF orientation 1..8 (1 = upright, the default when absent or unreadable). */
    final int orientation;
    /** Adobe APP14 transform: -1 absent, 0 none (RGB/CMYK), 1 YCbCr, 2 YCCK. */
    final int adobeTransform;
    /** Whether an EOI marker ends the data (trailing padding allowed). */
    final boolean complete;

    private JpegInfo(int orientation, int adobeTransform, boolean complete) {
        this.orientation = orientation;
        this.adobeTransform = adobeTransform;
        this.complete = complete;
    }

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }

    static JpegInfo parse(byte[] b) {
        int orientation = 1;
        int adobe = -1;
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                break;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                break;  // start of scan: headers are over
            }
            int len = u16(b, i + 2);
            if (len < 2 || i + 2 + len > b.length) {
                break;
            }
            int seg = i + 4;
            int segLen = len - 2;
            if (marker == 0xE1 && segLen >= 14 && b[seg] == 'E' && b[seg + 1] == 'x' && b[seg + 2] == 'i'
                    && b[seg + 3] == 'f' && b[seg + 4] == 0 && b[seg + 5] == 0) {
                orientation = exifOrientation(b, seg + 6, segLen - 6);
            } else if (marker == 0xEE && segLen >= 12 && b[seg] == 'A' && b[seg + 1] == 'd' && b[seg + 2] == 'o'
                    && b[seg + 3] == 'b' && b[seg + 4] == 'e') {
                adobe = b[seg + 11] & 0xff;
            }
            i += 2 + len;
        }
        return new JpegInfo(orientation, adobe, endsWithEoi(b));
    }

    private static boolean endsWithEoi(byte[] b) {
        for (int i = b.length - 2; i >= Math.max(2, b.length - 64); i--) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    /** Orientation tag 0x0112 of IFD0 in a TIFF structure at {@code b[off .. off+len)}; 1 if absent. */
    private static int exifOrientation(byte[] b, int off, int len) {
        if (len < 8) {
            return 1;
        }
        boolean little = b[off] == 'I' && b[off + 1] == 'I';
        if (!little && !(b[off] == 'M' && b[off + 1] == 'M')) {
            return 1;
        }
        long ifd = u32(b, off + 4, little);
        if (ifd < 8 || ifd + 2 > len) {
            return 1;
        }
        int p = off + (int) ifd;
        int entries = u16(b, p, little);
        for (int e = 0; e < entries; e++) {
            int q = p + 2 + e * 12;
            if (q + 12 > off + len) {
                return 1;
            }
            if (u16(b, q, little) == 0x0112) {
                int v = u16(b, q + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 : u16(b, i);
    }

    private static long u32(byte[] b, int i, boolean little) {
        if (little) {
            return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
        }
        return (b[i] & 0xffL) << 24 | (b[i + 1] & 0xffL) << 16 | (b[i + 2] & 0xffL) << 8 | (b[i + 3] & 0xffL);
    }

    /**
     * Applies an EXIF orientation to packed pixels.
     *
     * @param px  {@code w*h} pixels, row-major (Not modified)
     * @return the upright pixels and their size: {@code [pixels]} with {@link #uprightWidth} telling the width
     */
    static int[] upright(int[] px, int w, int h, int orientation) {
        if (orientation <= 1) {
            return px;
        }
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] out = new int[px.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case 8 -> { sx = w - 1 - y; sy = x; }
                    default -> throw new AssertionError(orientation);
                }
                out[y * ow + x] = px[sy * w + sx];
            }
        }
        return out;
    }

    static int uprightWidth(int w, int h, int orientation) {
        return orientation >= 5 ? h : w;
    }
}
