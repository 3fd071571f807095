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

/**
 * Turns encoded image bytes into one preprocessed NHWC input: decode (JPEG/PNG via ImageIO), bilinear
 * resize to the model's size, then the model's {@link Preprocessing}.
 *
 * <p>The resize matches TF2's {@code tf.image.resize(..., "bilinear")}, i.e. {@code ResizeBilinear} with
 * {@code half_pixel_centers=True}: output pixel {@code x} samples the source at
 * {@code (x + 0.5) * in/out - 0.5}, clamped to the edges. Thread-safe (stateless).
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
        Decoded img = read(bytes, jpeg);
        int[] rgb = img.rgb;
        int w = img.width;
        int h = img.height;
        if (jpeg != null && jpeg.orientation > 1) {
            rgb = JpegInfo.upright(rgb, w, h, jpeg.orientation);
            int uw = JpegInfo.uprightWidth(w, h, jpeg.orientation);
            h = rgb.length / uw;
            w = uw;
        }
        resizeBilinear(rgb, w, h, out, offset);
    }

    /** Decodes one image into a new array. */
    public float[] decode(byte[] bytes) throws ImageDecodeException {
        float[] out = new float[inputLength()];
        decodeInto(bytes, out, 0);
        return out;
    }

    /** Decoded pixels, packed 0xRRGGBB, before orientation and resizing. */
    private record Decoded(int[] rgb, int width, int height) {}

    private Decoded read(byte[] bytes, JpegInfo jpeg) throws ImageDecodeException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(Formats.unsupported(bytes));
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
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
                return decoded;
            } finally {
                reader.dispose();
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
     * reuses each source row for about two output rows, and the row loops vectorise.
     */
    private void resizeBilinear(int[] rgb, int sw, int sh, float[] out, int offset) {
        float scaleY = sh / (float) height;
        float scaleX = sw / (float) width;
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        float[] xl = new float[width];
        for (int x = 0; x < width; x++) {
            float in = (x + 0.5f) * scaleX - 0.5f;
            int f = (int) Math.floor(in);
            x0[x] = Math.max(f, 0);
            x1[x] = Math.min(f + 1, sw - 1);
            xl[x] = in - f;
        }
        int rowLen = width * 3;
        float[][] rows = new float[sh][];
        float[] line = new float[rowLen];
        int o = offset;
        for (int y = 0; y < height; y++) {
            float in = (y + 0.5f) * scaleY - 0.5f;
            int f = (int) Math.floor(in);
            float[] top = row(rows, rgb, sw, Math.max(f, 0), x0, x1, xl);
            float[] bottom = row(rows, rgb, sw, Math.min(f + 1, sh - 1), x0, x1, xl);
            float yl = in - f;
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

    /** Source row {@code y} interpolated horizontally to the target width, interleaved RGB; computed once. */
    private static float[] row(float[][] rows, int[] rgb, int sw, int y, int[] x0, int[] x1, float[] xl) {
        float[] r = rows[y];
        if (r != null) {
            return r;
        }
        // Unpack the source row to interleaved floats first (exact: 0..255), so the gathers below read
        // floats from L1 instead of unpacking the same packed pixel for about two output pixels each.
        float[] src = new float[sw * 3];
        int base = y * sw;
        for (int x = 0, o = 0; x < sw; x++, o += 3) {
            int p = rgb[base + x];
            src[o] = p >> 16 & 0xff;
            src[o + 1] = p >> 8 & 0xff;
            src[o + 2] = p & 0xff;
        }
        int width = xl.length;
        r = new float[width * 3];
        for (int x = 0, o = 0; x < width; x++, o += 3) {
            int left = x0[x] * 3;
            int right = x1[x] * 3;
            float t = xl[x];
            r[o] = src[left] + (src[right] - src[left]) * t;
            r[o + 1] = src[left + 1] + (src[right + 1] - src[left + 1]) * t;
            r[o + 2] = src[left + 2] + (src[right + 2] - src[left + 2]) * t;
        }
        rows[y] = r;
        return r;
    }

}
