package dev.orchard.internal.model.arch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The fixtures {@code data-samples/keras-reference/generate.sh} made: TF.js-built Keras networks' weights in
 * every import format, the uint8 pixels of 16 sample images at each size, and TF.js's features on them. Stored
 * gzipped (the weights repeat with a period, so they compress ~100x); {@link #dir()} is a copy with every
 * {@code .gz} expanded, made once per JVM.
 */
final class KerasReference {

    /** Images per size, as generated. */
    static final int IMAGES = 16;
    private static final Path SOURCE = Path.of(System.getProperty("orchard.kerasReference",
            Path.of("..", "data-samples", "keras-reference", "fixtures").toString()));
    private static Path expanded;

    private KerasReference() {}

    /** The expanded fixtures folder: {@code <model>/tfjs-float32/model.json}, {@code <model>/keras2.h5}, ... */
    static synchronized Path dir() {
        if (expanded == null) {
            try {
                Path to = Files.createTempDirectory("orchard-keras-reference-");
                to.toFile().deleteOnExit();
                try (Stream<Path> walk = Files.walk(SOURCE)) {
                    for (Path p : walk.filter(Files::isRegularFile).toList()) {
                        String rel = SOURCE.relativize(p).toString();
                        boolean gz = rel.endsWith(".gz");
                        Path q = to.resolve(gz ? rel.substring(0, rel.length() - 3) : rel);
                        Files.createDirectories(q.getParent());
                        try (InputStream in = gz ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p)) {
                            Files.copy(in, q);
                        }
                    }
                }
                expanded = to;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot expand the fixtures in " + SOURCE.toAbsolutePath(), e);
            }
        }
        return expanded;
    }

    /** The 16 images' RGB pixels at {@code size}, as floats in [0, 255], NHWC. */
    static float[] pixels(int size) throws IOException {
        byte[] b = Files.readAllBytes(dir().resolve("pixels-" + size + ".u8"));
        float[] out = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        if (out.length != IMAGES * size * size * 3) {
            throw new IllegalStateException("pixels-" + size + ".u8 holds " + out.length + " values");
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** TF.js's features, {@code [16][d]}. */
    static float[][] features(String model, String variant, int size) throws IOException {
        byte[] b = Files.readAllBytes(dir().resolve(model).resolve("features-" + variant + "-" + size + ".f32"));
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int d = b.length / 4 / IMAGES;
        float[][] out = new float[IMAGES][d];
        for (float[] row : out) {
            buf.asFloatBuffer().get(row);
            buf.position(buf.position() + 4 * d);
        }
        return out;
    }
}
