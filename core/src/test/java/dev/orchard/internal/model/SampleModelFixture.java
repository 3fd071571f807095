package dev.orchard.internal.model;

import dev.orchard.internal.model.arch.SampleCnn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** One SampleCnn export per test JVM (exporting takes a second), plus seeded test images. */
final class SampleModelFixture {

    static final long SEED = 42L;
    private static Path dir;

    private SampleModelFixture() {}

    /** A fresh-per-JVM export of SampleCnn(seed 42); tests must not modify it. */
    static synchronized Path sampleModel() {
        if (dir == null) {
            try {
                Path root = Files.createTempDirectory("orchard-test-model-");
                Path d = root.resolve("sample-cnn");
                SampleCnn.export(d, SEED);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> ModelPackage.deleteRecursively(root)));
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Copies the sample model so a test may alter it. */
    static Path copyOfSampleModel(Path target) throws IOException {
        Path src = sampleModel();
        try (var walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path q = target.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return target;
    }

    /** {@code n} images of unit-preprocessed noise in [0, 1], NHWC. */
    static float[] images(long seed, int n, ModelSpec spec) {
        Random r = new Random(seed);
        float[] x = new float[n * spec.inputLength()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }
}
