package dev.orchard.job;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Generates, deterministically, a corpus of the files real photo buckets hold: good images in every
 * odd encoding, and broken ones. Each bad file maps to the start of the reason Orchard must give.
 */
final class HostileCorpus {

    /** Relative path → expected reason prefix (bad files) . */
    final Map<String, String> bad = new LinkedHashMap<>();
    /** Relative path of good files → relative path of a plain RGB JPEG/PNG twin that must featurize identically, or null. */
    final Map<String, String> good = new LinkedHashMap<>();

    private final Path root;
    private final Random rnd = new Random(20261121);

    HostileCorpus(Path root) {
        this.root = root;
    }

    HostileCorpus generate() throws IOException {
        BufferedImage fruit = fruit(100, 100, new Color(200, 40, 30));
        byte[] jpeg = jpeg(fruit);
        byte[] png = png(fruit);

        // Good files, awkward names and deep nesting included.
        put("Apple/plain.jpg", jpeg, null);
        put("Apple/plain.png", png, null);
        put("Apple/UPPER.JPEG", jpeg, "Apple/plain.jpg");
        put("Apple/with space + plus % pct # hash é 苹果.jpg", jpeg, "Apple/plain.jpg");
        put("Apple/deep/er/and/deeper/nested.jpg", jpeg, "Apple/plain.jpg");
        put("Apple/exif-rotated.jpg", exifOrientation(jpeg(rotateCcw(fruit)), 6), null);
        put("Apple/gray.jpg", jpeg(gray(fruit)), null);
        put("Apple/gray.png", png(gray(fruit)), null);
        put("Apple/gray16.png", png(gray16(fruit)), null);
        put("Apple/rgba.png", png(withAlpha(fruit)), null);
        put("Apple/palette.png", png(palette(fruit)), null);
        put("Apple/cmyk.jpg", cmykJpeg(fruit), null);
        put("Apple/large.jpg", jpeg(fruit(2400, 1600, new Color(200, 40, 30))), null);
        put("Pear/green.jpg", jpeg(fruit(100, 100, new Color(90, 170, 40))), null);

        // Bad files, each with the reason a person must read.
        bad("Broken/zero-bytes.jpg", new byte[0], "empty file");
        bad("Broken/text-named.jpg", "GET / HTTP/1.1\r\nthis is not an image\r\n".getBytes(), "not an image");
        bad("Broken/truncated.jpg", Arrays.copyOf(jpeg, jpeg.length * 2 / 3), "truncated JPEG");
        bad("Broken/truncated.png", Arrays.copyOf(png, png.length / 2), "corrupt or truncated image");
        bad("Broken/corrupt-header.jpg", corruptHeader(jpeg), "corrupt JPEG");
        bad("Broken/webp-named.png", webp(), "unsupported format: WebP");
        bad("Broken/bomb.png", pngBomb(50_000, 50_000), "too large");
        return this;
    }

    private void put(String rel, byte[] bytes, String twin) throws IOException {
        write(rel, bytes);
        good.put(rel, twin);
    }

    private void bad(String rel, byte[] bytes, String reason) throws IOException {
        write(rel, bytes);
        bad.put(rel, reason);
    }

    private void write(String rel, byte[] bytes) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
    }

    BufferedImage fruit(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(c);
        g.fillOval(w / 5, h / 6, w * 3 / 5, h * 2 / 3);
        g.setColor(new Color(60, 120, 30));
        g.fillRect(w / 2 - w / 40, h / 12, w / 20, h / 8);
        for (int i = 0; i < 20; i++) {
            g.setColor(new Color(240, 200 + rnd.nextInt(40), 60));
            g.fillOval(w / 4 + rnd.nextInt(w / 2), h / 4 + rnd.nextInt(h / 2), w / 50 + 1, h / 50 + 1);
        }
        g.dispose();
        return img;
    }

    static byte[] jpeg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer for " + img);
        }
        return out.toByteArray();
    }

    static BufferedImage rotateCcw(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getHeight(), src.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                out.setRGB(y, src.getWidth() - 1 - x, src.getRGB(x, y));
            }
        }
        return out;
    }

    static BufferedImage gray(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = out.getRaster();
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y);
                r.setSample(x, y, 0, ((p >> 16 & 0xff) * 299 + (p >> 8 & 0xff) * 587 + (p & 0xff) * 114) / 1000);
            }
        }
        return out;
    }

    static BufferedImage gray16(BufferedImage src) {
        BufferedImage g8 = gray(src);
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                out.getRaster().setSample(x, y, 0, g8.getRaster().getSample(x, y, 0) * 257);
            }
        }
        return out;
    }

    static BufferedImage withAlpha(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y) & 0xFFFFFF;
                out.setRGB(x, y, p == 0xFFFFFF ? 0x00000000 : 0xFF000000 | p);  // white → transparent
            }
        }
        return out;
    }

    static BufferedImage palette(BufferedImage src) {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) ((i >> 5) * 255 / 7);
            g[i] = (byte) ((i >> 2 & 7) * 255 / 7);
            b[i] = (byte) ((i & 3) * 255 / 3);
        }
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, 256, r, g, b));
        Graphics2D gr = out.createGraphics();
        gr.drawImage(src, 0, 0, null);
        gr.dispose();
        return out;
    }

    /** A 4-channel (CMYK) JPEG, as print workflows write them. */
    static byte[] cmykJpeg(BufferedImage src) throws IOException {
        int w = src.getWidth();
        int h = src.getHeight();
        WritableRaster raster = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = src.getRGB(x, y);
                double r = (p >> 16 & 0xff) / 255.0;
                double g = (p >> 8 & 0xff) / 255.0;
                double b = (p & 0xff) / 255.0;
                double k = 1 - Math.max(r, Math.max(g, b));
                double c = k >= 1 ? 0 : (1 - r - k) / (1 - k);
                double m = k >= 1 ? 0 : (1 - g - k) / (1 - k);
                double ye = k >= 1 ? 0 : (1 - b - k) / (1 - k);
                raster.setPixel(x, y, new int[] {
                    (int) Math.round(c * 255), (int) Math.round(m * 255), (int) Math.round(ye * 255),
                    (int) Math.round(k * 255)});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Inserts an APP1 Exif segment carrying one orientation entry right after SOI. */
    static byte[] exifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,
            0, 0, 0, 0
        };
        int len = 2 + 6 + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** Breaks the frame header (SOF0) of a JPEG so no decoder accepts it. */
    static byte[] corruptHeader(byte[] jpeg) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 9 < b.length; i++) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xC0) {
                b[i + 4] = 13;      // precision 13 bits: not baseline, not supported
                b[i + 9] = 0;       // zero components
                return b;
            }
        }
        throw new IllegalStateException("no SOF0 in the JPEG");
    }

    static byte[] webp() {
        byte[] b = new byte[64];
        System.arraycopy("RIFF".getBytes(), 0, b, 0, 4);
        System.arraycopy("WEBPVP8 ".getBytes(), 0, b, 8, 8);
        return b;
    }

    /** A valid PNG header claiming w×h pixels with a tiny, highly compressed body: a decompression bomb. */
    static byte[] pngBomb(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater d = new Deflater(9);
        d.setInput(new byte[1 << 20]);  // 1 MB of zeros: the start of the rows
        d.finish();
        byte[] buf = new byte[1 << 16];
        int n = d.deflate(buf);
        chunk(out, "IDAT", Arrays.copyOf(buf, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes();
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
