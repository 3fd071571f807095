package dev.orchard.internal.featurize;

import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns encoded image bytes into one preprocessed NHWC input: decode (JPEG/PNG via ImageIO), bilinear
 * resize to the model's size, then the model's {@link Preprocessing}.
 *
 * <p>The resize matches TF2's {@code tf.image.resize(..., "bilinear")}, i.e. {@code ResizeBilinear} with
 * {@code half_pixel_centers=True}: output pixel {@code x} samples the source at
 * {@code (x + 0.5) * in/out - 0.5}, clamped to the edges. Thread-safe: its own state is a cache of immutable
 * sampling positions, and each thread that decodes JPEGs keeps one ImageIO JPEG reader for the next image.
 *
 * <p><b>Why decode and resize run here, in Java, and not in the TensorFlow graph.</b> Measured side by side
 * (benchmarks/README.md, "Model throughput"; 100x100 JPEG to a 224x224 MobileNetV2 input, one thread):
 * this class 414 µs wall / 521 CPU-µs, a batched TF graph of {@code DecodeJpeg} + {@code ResizeBilinear} 532 /
 * 534 — about 5 % of the model's 10 CPU-ms either way, so speed does not decide it. What does: this path turns
 * every bad file into a named reason (truncated, CMYK, 16-bit, palette, EXIF-rotated, too large) per image,
 * where one bad image fails a whole {@code DecodeJpeg} batch, and it runs on a decode thread beside the
 * model's session instead of inside it. The price: ImageIO's IDCT differs from libjpeg-turbo's by ≈ 0.7
 * grey levels on average, so features differ slightly from a Keras pipeline that decodes with TensorFlow.
 */
public final class ImageDecoder {

    static {
        // Decode from memory: by default ImageIO spools every stream to a temp file, so each image
        // cost a file in java.io.tmpdir and executors needed a writable /tmp.
        ImageIO.setUseCache(false);
    }

    /** Default refusal threshold: 50 megapixels (a 100x100 Fruits-360 image is 0.01). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    private final int height;
    private final int width;
    private final Preprocessing preprocessing;
    private final long maxPixels;

    public ImageDecoder(int height, int width, Preprocessing preprocessing, long maxPixels) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("target size must be positive but was " + height + "x" + width);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1 but was " + maxPixels);
        }
        this.height = height;
        this.width = width;
        this.preprocessing = preprocessing;
        this.maxPixels = maxPixels;
    }

    public static ImageDecoder forModel(ModelSpec spec, long maxPixels) {
        return new ImageDecoder(spec.imageHeight(), spec.imageWidth(), spec.preprocessing(), maxPixels);
    }

    /** Floats in one decoded image. */
    public int inputLength() {
        return height * width * 3;
    }

    /**
     * Decodes {@code bytes} into {@code out[offset .. offset + height*width*3)}.
     *
     * @param bytes  encoded image (Not modified)
     * @param out    destination batch buffer (Modified)
     * @throws ImageDecodeException with a reason a person understands
     */
    public void decodeInto(byte[] bytes, float[] out, int offset) throws ImageDecodeException {
        if (bytes.length == 0) {
            throw new ImageDecodeException("empty file (0 bytes)");
        }
        JpegInfo jpeg = JpegInfo.isJpeg(bytes) ? JpegInfo.parse(bytes) : null;
        if (jpeg != null && !jpeg.complete) {
            throw new ImageDecodeException("truncated JPEG: the data ends before the end-of-image marker ("
                    + bytes.length + " bytes)");
        }
        boolean upright = jpeg == null || jpeg.orientation <= 1;
        Decoded img = read(bytes, jpeg);
        int[] rgb = img.rgb;
        int w = img.width;
        int h = img.height;
        if (!upright) {
            rgb = JpegInfo.upright(rgb, w, h, jpeg.orientation);
            int uw = JpegInfo.uprightWidth(w, h, jpeg.orientation);
            h = rgb.length / uw;
            w = uw;
        }
        resizeInto(rgb, w, h, out, offset);
    }

    /** Decodes one image into a new array. */
    public float[] decode(byte[] bytes) throws ImageDecodeException {
        float[] out = new float[inputLength()];
        decodeInto(bytes, out, 0);
        return out;
    }

    /** Decoded pixels, packed 0xRRGGBB, before orientation and resizing. */
    private record Decoded(int[] rgb, int width, int height) {}

    /**
     * The JPEG reader of this thread, reused from image to image: looking up the reader (a scan of the
     * registered ImageIO plugins), creating it with its native decoder state, and disposing of it cost
     * ≈ 10 µs per image, ≈ 5 % of decoding a 100x100 JPEG. Dropped after any failure, so a reader left in
     * an odd state by a bad file never reads the next one.
     */
    private static final class JpegReader {
        final ImageReader reader;
        final List<String> warnings = new ArrayList<>();

        JpegReader(ImageReader reader) {
            this.reader = reader;
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        }
    }

    private static final ThreadLocal<JpegReader> JPEG_READER = new ThreadLocal<>();

    private static JpegReader jpegReader() {
        JpegReader r = JPEG_READER.get();
        if (r == null) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
            if (!readers.hasNext()) {
                return null;
            }
            r = new JpegReader(readers.next());
            JPEG_READER.set(r);
        }
        r.warnings.clear();
        return r;
    }

    private Decoded read(byte[] bytes, JpegInfo jpeg) throws ImageDecodeException {
        JpegReader cached = jpeg != null ? jpegReader() : null;
        boolean ok = false;
        // With ImageIO's cache off (above), createImageInputStream gives this same in-memory stream.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader;
            List<String> warnings;
            if (cached != null) {
                reader = cached.reader;
                warnings = cached.warnings;
            } else {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext()) {
                    throw new ImageDecodeException(Formats.unsupported(bytes));
                }
                reader = readers.next();
                List<String> own = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> own.add(warning));
                warnings = own;
            }
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w < 1 || h < 1) {
                    throw new ImageDecodeException("not an image: " + w + "x" + h + " pixels");
                }
                if (w * h > maxPixels) {
                    throw new ImageDecodeException("too large: " + w + "x" + h + " = " + (w * h)
                            + " pixels exceeds the limit of " + maxPixels + " (--max-pixels)");
                }
                Decoded decoded;
                try {
                    BufferedImage img = reader.read(0);
                    decoded = new Decoded(Pixels.rgb(img), img.getWidth(), img.getHeight());
                } catch (IIOException e) {
                    if (jpeg == null || !String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
                        throw e;
                    }
                    Raster raster = reader.readRaster(0, null);
                    decoded = new Decoded(Cmyk.toRgb(raster, jpeg.adobeTransform), raster.getWidth(),
                            raster.getHeight());
                }
                for (String warning : warnings) {
                    if (warning.contains("Premature end") || warning.contains("Corrupt")) {
                        throw new ImageDecodeException((jpeg != null ? "truncated or corrupt JPEG: "
                                : "truncated or corrupt image: ") + warning);
                    }
                }
                ok = true;
                return decoded;
            } finally {
                if (cached == null) {
                    reader.dispose();
                } else if (ok) {
                    reader.setInput(null);
                } else {
                    JPEG_READER.remove();
                    reader.dispose();
                }
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String kind = jpeg != null ? "corrupt JPEG: " : "corrupt or truncated image: ";
            throw new ImageDecodeException(kind + describe(e), e);
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank()) ? e.getClass().getSimpleName() : m;
    }

    /**
     * Half-pixel-centre bilinear resize of packed RGB to the target size, then preprocessing.
     * Same size copies pixels exactly.
     *
     * <p>Separable, with the arithmetic of TensorFlow's {@code ResizeBilinear}: each needed source row is
     * interpolated horizontally once ({@code top = tl + (tr - tl) * xLerp}), then every output row is
     * {@code top + (bottom - top) * yLerp} of two such rows, and the model's preprocessing runs over the
     * whole row. The same float operations in the same order as the per-pixel form, so the same bits,
     * at about a quarter of the CPU time (measured: 530 to ~120 µs for 100x100 to 224x224): upsampling
     * reuses each source row for about two output rows, and the row loops vectorise. No allocation per
     * source row (a two-row window), and the sampling positions are cached per source size.
     */
    void resizeInto(int[] rgb, int sw, int sh, float[] out, int offset) {
        Taps xs = taps(sw, width, true);
        Taps ys = taps(sh, height, false);
        int rowLen = width * 3;
        // Two source rows interpolated horizontally, reused while the output rows still need them: output
        // row y needs source rows ys.lo[y] <= ys.hi[y], both non-decreasing in y, so a window of two holds
        // every row as long as it is needed and each is computed once (no per-row arrays).
        float[] a = new float[rowLen];
        float[] b = new float[rowLen];
        int aRow = -1;
        int bRow = -1;
        float[] line = new float[rowLen];
        int o = offset;
        for (int y = 0; y < height; y++) {
            int t = ys.lo[y];
            int u = ys.hi[y];
            if (aRow != t) {
                if (bRow == t) {
                    float[] swap = a;
                    a = b;
                    b = swap;
                    aRow = t;
                    bRow = -1;
                } else {
                    row(rgb, sw, t, xs, a);
                    aRow = t;
                }
            }
            float[] top = a;
            float[] bottom = a;
            if (u != t) {
                if (bRow != u) {
                    row(rgb, sw, u, xs, b);
                    bRow = u;
                }
                bottom = b;
            }
            float yl = ys.lerp[y];
            // Into a row of its own at the same index as its inputs, then one copy: with `out[o + i]` the JIT
            // cannot rule out that `out` is `top` at another offset and leaves the loop scalar.
            for (int i = 0; i < rowLen; i++) {
                line[i] = top[i] + (bottom[i] - top[i]) * yl;
            }
            preprocessing.applyInPlace(line, 0, width);
            System.arraycopy(line, 0, out, o, rowLen);
            o += rowLen;
        }
    }

    /**
     * Where output pixel {@code i} of {@code out} samples a source of {@code in} pixels: between {@code lo[i]}
     * and {@code hi[i]} with weight {@code lerp[i]} on {@code hi} (half-pixel centres, clamped to the edges).
     * Column taps ({@code lo}, {@code hi} already times 1 pixel) depend only on the source size, so the last
     * ones are kept: a set of same-size photos computes them once.
     */
    private record Taps(int in, int[] lo, int[] hi, float[] lerp) {}

    private volatile Taps lastX;
    private volatile Taps lastY;

    private Taps taps(int in, int out, boolean columns) {
        Taps last = columns ? lastX : lastY;
        if (last != null && last.in == in) {
            return last;
        }
        float scale = in / (float) out;
        int[] lo = new int[out];
        int[] hi = new int[out];
        float[] lerp = new float[out];
        for (int i = 0; i < out; i++) {
            float at = (i + 0.5f) * scale - 0.5f;
            int f = (int) Math.floor(at);
            lo[i] = Math.max(f, 0);
            hi[i] = Math.min(f + 1, in - 1);
            lerp[i] = at - f;
        }
        Taps t = new Taps(in, lo, hi, lerp);
        if (columns) {
            lastX = t;
        } else {
            lastY = t;
        }
        return t;
    }

    /**
     * Source row {@code y} interpolated horizontally to the target width into {@code r}, interleaved RGB,
     * straight from the packed pixels: the same float operations on the same values (0..255 are exact in
     * float) as unpacking the row to floats first, without that extra pass and array.
     */
    private static void row(int[] rgb, int sw, int y, Taps xs, float[] r) {
        int base = y * sw;
        int[] x0 = xs.lo;
        int[] x1 = xs.hi;
        float[] xl = xs.lerp;
        for (int x = 0, o = 0; x < xl.length; x++, o += 3) {
            int left = rgb[base + x0[x]];
            int right = rgb[base + x1[x]];
            float t = xl[x];
            float lr = left >> 16 & 0xff;
            float lg = left >> 8 & 0xff;
            float lb = left & 0xff;
            r[o] = lr + ((right >> 16 & 0xff) - lr) * t;
            r[o + 1] = lg + ((right >> 8 & 0xff) - lg) * t;
            r[o + 2] = lb + ((right & 0xff) - lb) * t;
        }
    }
}
