package dev.orchard.samples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.QuadCurve2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Draws a small, synthetic, Fruits-360-shaped image set: {@value #CLASSES_COUNT} classes ×
 * {@value #DEFAULT_PER_CLASS} images, {@value #SIZE}×{@value #SIZE} JPEG on a white background, in
 * {@code <root>/Training/<Class>/<n>_100.jpg}. <b>Synthetic, not Fruits-360.</b>
 *
 * <p>Each class has its own shape (circle, ellipse, crescent, cluster of small circles, teardrop),
 * colour and texture (speckles, stripes, gradient shading); each image gets a random rotation,
 * scale, offset and lighting (brightness and colour shift). Some classes are close on purpose
 * (Lemon / Lime / Pear, Apple Red / Cherry / Plum), so a linear classifier on good features does
 * well but not perfectly.
 *
 * <p>Deterministic: the same seed gives byte-identical files (each image draws from its own
 * {@code Random} derived from seed, class and index; JPEG quality fixed). Java2D and ImageIO only.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -pl data-samples -am compile exec:java \
 *   -Dexec.mainClass=dev.orchard.samples.SampleImageGenerator -Dexec.args="data-samples/fruits-sample"
 * </pre>
 */
public final class SampleImageGenerator {

    public static final int SIZE = 100;
    public static final int DEFAULT_PER_CLASS = 32;
    public static final long DEFAULT_SEED = 360L;
    static final int CLASSES_COUNT = 12;
    private static final float JPEG_QUALITY = 0.92f;

    private enum Form { CIRCLE, ELLIPSE, CRESCENT, CLUSTER, TEARDROP, HEART }

    private enum Texture { NONE, SPECKLES, STRIPES }

    /**
     * One class's look.
     *
     * @param aspect  width / height of the body
     * @param radius  body radius in pixels at scale 1
     * @param speck   texture colour
     * @param density speckles (or stripes) per image
     * @param stem    whether it has a stem (brown line) on top
     * @param leaves  whether it has green leaves on top
     */
    private record Fruit(String name, Form form, Color color, double aspect, double radius, Texture texture,
                         Color speck, int density, boolean stem, boolean leaves) {}

    /** The classes, in label order. */
    private static final List<Fruit> FRUITS = List.of(
            new Fruit("Apple Red", Form.CIRCLE, new Color(196, 32, 40), 1.05, 33, Texture.STRIPES,
                    new Color(235, 190, 70), 9, true, false),
            new Fruit("Avocado", Form.TEARDROP, new Color(62, 88, 38), 0.85, 32, Texture.SPECKLES,
                    new Color(35, 50, 20), 70, false, false),
            new Fruit("Banana", Form.CRESCENT, new Color(232, 204, 60), 1.0, 38, Texture.STRIPES,
                    new Color(150, 120, 40), 3, false, false),
            new Fruit("Cherry", Form.HEART, new Color(150, 12, 34), 1.0, 22, Texture.NONE,
                    Color.WHITE, 0, true, false),
            new Fruit("Grape White", Form.CLUSTER, new Color(192, 212, 118), 1.0, 9, Texture.NONE,
                    Color.WHITE, 0, true, false),
            new Fruit("Kiwi", Form.ELLIPSE, new Color(128, 98, 58), 1.25, 30, Texture.SPECKLES,
                    new Color(80, 60, 35), 160, false, false),
            new Fruit("Lemon", Form.ELLIPSE, new Color(240, 218, 64), 1.3, 29, Texture.SPECKLES,
                    new Color(215, 190, 45), 60, false, false),
            new Fruit("Lime", Form.CIRCLE, new Color(120, 182, 52), 1.1, 26, Texture.SPECKLES,
                    new Color(95, 150, 40), 60, false, false),
            new Fruit("Orange", Form.CIRCLE, new Color(240, 140, 30), 1.0, 33, Texture.SPECKLES,
                    new Color(220, 115, 20), 110, false, false),
            new Fruit("Pear", Form.TEARDROP, new Color(188, 198, 72), 0.9, 31, Texture.SPECKLES,
                    new Color(150, 120, 60), 35, true, false),
            new Fruit("Plum", Form.ELLIPSE, new Color(98, 32, 80), 0.92, 28, Texture.NONE,
                    Color.WHITE, 0, false, false),
            new Fruit("Strawberry", Form.TEARDROP, new Color(212, 30, 48), 0.9, 29, Texture.SPECKLES,
                    new Color(245, 220, 110), 45, false, true));

    private SampleImageGenerator() {}

    /** Class names, in label order. */
    public static List<String> classNames() {
        return FRUITS.stream().map(Fruit::name).toList();
    }

    /**
     * {@code args[0]}: output root (default {@code data-samples/fruits-sample}); {@code args[1]}:
     * seed (default {@value #DEFAULT_SEED}); {@code args[2]}: images per class (default
     * {@value #DEFAULT_PER_CLASS}).
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path root = Path.of(args.length > 0 ? args[0] : "data-samples/fruits-sample");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED;
        int perClass = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_PER_CLASS;
        int n = generate(root, seed, perClass);
        System.out.println("Wrote " + n + " images (" + FRUITS.size() + " classes) under "
                + root.toAbsolutePath().normalize().resolve("Training"));
    }

    /**
     * Writes the image set under {@code root/Training}, replacing files of the same names.
     *
     * @param perClass images per class, in [1, 10000]
     * @return number of images written
     */
    public static int generate(Path root, long seed, int perClass) throws IOException {
        if (perClass < 1 || perClass > 10_000) {
            throw new IllegalArgumentException("perClass must be in [1, 10000] but was " + perClass);
        }
        int count = 0;
        for (int c = 0; c < FRUITS.size(); c++) {
            Fruit fruit = FRUITS.get(c);
            Path dir = Files.createDirectories(root.resolve("Training").resolve(fruit.name()));
            for (int i = 0; i < perClass; i++) {
                Random random = new Random(seed * 1_000_003L + c * 10_007L + i);
                writeJpeg(draw(fruit, random), dir.resolve(i + "_100.jpg"));
                count++;
            }
        }
        return count;
    }

    private static BufferedImage draw(Fruit fruit, Random r) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, SIZE, SIZE);

            // Lighting: one brightness factor and a per-channel shift for the whole fruit.
            double brightness = 0.8 + 0.4 * r.nextDouble();
            int[] shift = {r.nextInt(31) - 15, r.nextInt(31) - 15, r.nextInt(31) - 15};
            Color base = light(fruit.color(), brightness, shift);
            Color speck = light(fruit.speck(), brightness, shift);

            double scale = 0.78 + 0.32 * r.nextDouble();
            double angle = r.nextDouble() * 2 * Math.PI;
            double cx = SIZE / 2.0 + (r.nextDouble() - 0.5) * 16;
            double cy = SIZE / 2.0 + (r.nextDouble() - 0.5) * 16;
            g.transform(new AffineTransform(scale, 0, 0, scale, cx, cy));
            g.rotate(angle);

            List<Ellipse2D> berries = fruit.form() == Form.CLUSTER ? berries(fruit, r) : List.of();
            Shape body = body(fruit, r, berries);
            double rad = fruit.radius();
            if (fruit.form() == Form.CLUSTER) {
                // Each berry shaded on its own.
                for (Ellipse2D berry : berries) {
                    shade(g, berry.getCenterX(), berry.getCenterY(), berry.getWidth() / 2, base);
                    g.fill(berry);
                }
            } else {
                shade(g, 0, 0, rad, base);
                g.fill(body);
            }

            g.setClip(body);
            switch (fruit.texture()) {
                case SPECKLES -> {
                    g.setColor(speck);
                    for (int i = 0; i < fruit.density(); i++) {
                        double x = (r.nextDouble() - 0.5) * 2.6 * rad;
                        double y = (r.nextDouble() - 0.5) * 2.6 * rad;
                        double s = 0.8 + 1.6 * r.nextDouble();
                        g.fill(new Ellipse2D.Double(x, y, s, s));
                    }
                }
                case STRIPES -> {
                    g.setColor(new Color(speck.getRed(), speck.getGreen(), speck.getBlue(), 110));
                    g.setStroke(new BasicStroke(1.5f + r.nextFloat() * 1.5f));
                    for (int i = 0; i < fruit.density(); i++) {
                        double x = -rad + (i + 0.5 + (r.nextDouble() - 0.5) * 0.6) * 2 * rad / fruit.density();
                        g.draw(new QuadCurve2D.Double(x, -1.6 * rad, x + (r.nextDouble() - 0.5) * rad, 0,
                                x, 1.6 * rad));
                    }
                }
                case NONE -> { }
                default -> throw new AssertionError(fruit.texture());
            }
            g.setClip(null);

            if (fruit.stem()) {
                g.setColor(light(new Color(105, 75, 40), brightness, shift));
                g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                double top = topOf(fruit);
                g.draw(new QuadCurve2D.Double(0, top + 3, 3 + r.nextDouble() * 4, top - 6, 1 + r.nextDouble() * 6,
                        top - 13));
            }
            if (fruit.leaves()) {
                g.setColor(light(new Color(50, 140, 45), brightness, shift));
                double top = topOf(fruit);
                for (int k = -2; k <= 2; k++) {
                    Path2D leaf = new Path2D.Double();
                    leaf.moveTo(0, top + 4);
                    leaf.lineTo(k * 6 - 3, top - 2 + Math.abs(k) * 2);
                    leaf.lineTo(k * 7, top - 8 + Math.abs(k) * 3);
                    leaf.closePath();
                    g.fill(leaf);
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The fruit's body, centred on the origin, "up" being -y. */
    private static Shape body(Fruit f, Random r, List<Ellipse2D> berries) {
        double rad = f.radius();
        double a = f.aspect();
        return switch (f.form()) {
            case CIRCLE -> new Ellipse2D.Double(-rad * a, -rad, 2 * rad * a, 2 * rad);
            case ELLIPSE -> {
                // Lemons are pointed at both ends; a small spike on each side of the ellipse.
                Area e = new Area(new Ellipse2D.Double(-rad * a, -rad, 2 * rad * a, 2 * rad));
                if (f.aspect() > 1.2 && f.texture() == Texture.SPECKLES && f.density() < 100) {
                    e.add(new Area(new Ellipse2D.Double(-rad * a - 5, -4, 12, 8)));
                    e.add(new Area(new Ellipse2D.Double(rad * a - 7, -4, 12, 8)));
                }
                yield e;
            }
            case CRESCENT -> {
                Area outer = new Area(new Ellipse2D.Double(-rad, -rad, 2 * rad, 2 * rad));
                double off = rad * (0.35 + 0.1 * r.nextDouble());
                outer.subtract(new Area(new Ellipse2D.Double(-rad + off * 0.3, -rad - off, 2 * rad, 2 * rad)));
                yield outer;
            }
            case CLUSTER -> {
                Area bunch = new Area();
                for (Ellipse2D berry : berries) {
                    bunch.add(new Area(berry));
                }
                yield bunch;
            }
            case TEARDROP -> {
                // Wide round bottom, narrow top (pear, avocado); strawberry is drawn upside down.
                boolean down = f.leaves();
                double sign = down ? -1 : 1;
                Area drop = new Area(new Ellipse2D.Double(-rad * a, -rad * 0.7 * sign - rad + rad * 0.5 * sign,
                        2 * rad * a, 2 * rad));
                double small = rad * 0.58;
                drop.add(new Area(new Ellipse2D.Double(-small * a, -rad * 0.95 * sign - small, 2 * small * a,
                        2 * small)));
                Path2D neck = new Path2D.Double();
                neck.moveTo(-small * a, -rad * 0.95 * sign);
                neck.lineTo(small * a, -rad * 0.95 * sign);
                neck.lineTo(rad * a * 0.95, rad * 0.1 * sign);
                neck.lineTo(-rad * a * 0.95, rad * 0.1 * sign);
                neck.closePath();
                drop.add(new Area(neck));
                yield drop;
            }
            case HEART -> {
                // Two cherries side by side.
                Area pair = new Area(new Ellipse2D.Double(-rad * 1.55, -rad * 0.6, 2 * rad * 0.95, 2 * rad * 0.95));
                pair.add(new Area(new Ellipse2D.Double(rad * 0.05, -rad * 0.85, 2 * rad, 2 * rad)));
                yield pair;
            }
        };
    }

    /** A bunch of grapes: rows of berries narrowing downwards. */
    private static List<Ellipse2D> berries(Fruit f, Random r) {
        double rad = f.radius();
        List<Ellipse2D> out = new ArrayList<>();
        int[] rows = {4, 4, 3, 3, 2, 1};
        for (int row = 0; row < rows.length; row++) {
            for (int k = 0; k < rows[row]; k++) {
                double x = (k - (rows[row] - 1) / 2.0) * rad * 1.7 + (r.nextDouble() - 0.5) * 3;
                double y = -2.6 * rad + row * rad * 1.5 + (r.nextDouble() - 0.5) * 3;
                double s = rad * (0.9 + 0.2 * r.nextDouble());
                out.add(new Ellipse2D.Double(x - s, y - s, 2 * s, 2 * s));
            }
        }
        return out;
    }

    /** Gradient shading: a highlight up-left fading to a darker rim. */
    private static void shade(Graphics2D g, double cx, double cy, double rad, Color base) {
        Point2D highlight = new Point2D.Double(cx - rad * 0.35, cy - rad * 0.35);
        g.setPaint(new RadialGradientPaint(highlight, (float) (rad * 1.6), new float[] {0f, 0.55f, 1f},
                new Color[] {light(base, 1.35, new int[3]), base, light(base, 0.55, new int[3])}));
    }

    /** Where a stem or leaves attach: the top of the body. */
    private static double topOf(Fruit f) {
        return switch (f.form()) {
            case TEARDROP -> f.leaves() ? -f.radius() * 0.95 + 1 : -f.radius() * 1.5;
            case CLUSTER -> -3.6 * f.radius();
            case HEART -> -f.radius() * 0.9;
            default -> -f.radius();
        };
    }

    private static Color light(Color c, double brightness, int[] shift) {
        return new Color(clamp(c.getRed() * brightness + shift[0]), clamp(c.getGreen() * brightness + shift[1]),
                clamp(c.getBlue() * brightness + shift[2]));
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static void writeJpeg(BufferedImage img, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (OutputStream os = Files.newOutputStream(file);
             ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
