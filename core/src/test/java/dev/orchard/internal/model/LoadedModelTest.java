package dev.orchard.internal.model;

import dev.orchard.ModelException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.arch.SampleCnn;
import dev.orchard.testing.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadedModelTest {

    private static ModelPackage pkg;
    private static ModelSpec spec;

    @TempDir
    Path tmp;

    @BeforeAll
    static void pack() {
        pkg = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), ModelOverrides.none());
        spec = pkg.spec();
    }

    @Test
    void batchOfThreeGivesThreeFiniteVectorsEqualToThreeSingleRuns() {
        float[] x = SampleModelFixture.images(7, 3, spec);
        try (LoadedModel m = ExecutorModels.load(pkg)) {
            assertEquals(spec, m.spec());
            float[][] batch = m.run(x, 3);
            assertEquals(3, batch.length);
            for (int i = 0; i < 3; i++) {
                assertEquals(128, batch[i].length);
                double norm = 0;
                for (float v : batch[i]) {
                    assertTrue(Float.isFinite(v), "non-finite feature " + v);
                    norm += v * v;
                }
                assertTrue(norm > 0, "all-zero features for image " + i);
                float[] one = new float[spec.inputLength()];
                System.arraycopy(x, i * spec.inputLength(), one, 0, one.length);
                float[][] single = m.run(one, 1);
                assertArrayEquals(batch[i], single[0], (float) Tolerances.F32, "image " + i);
            }
            // Different images give different features.
            assertTrue(maxAbsDiff(batch[0], batch[1]) > 1e-4);
        }
    }

    @Test
    void twoLoadsGiveTheSameFeatures() {
        float[] x = SampleModelFixture.images(11, 3, spec);
        float[][] a;
        float[][] b;
        try (LoadedModel m = ExecutorModels.load(pkg, 1)) {
            a = m.run(x, 3);
        }
        try (LoadedModel m = ExecutorModels.load(pkg, 2)) {
            b = m.run(x, 3);
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a[i], b[i], (float) Tolerances.F32);
        }
    }

    /**
     * Streams: three sessions run batches from six threads at once; every result equals the one-session model's on
     * the same batch (each thread feeds its own images, so a mix-up between callers would show), at most three run
     * at a time, and close waits for running batches.
     */
    @Test
    void streamsRunBatchesConcurrentlyWithEachCallersOwnResult() throws Exception {
        int threads = 6;
        float[][] inputs = new float[threads][];
        float[][][] expected = new float[threads][][];
        try (LoadedModel one = ExecutorModels.load(pkg, 1)) {
            assertEquals(1, one.streams());
            for (int t = 0; t < threads; t++) {
                inputs[t] = SampleModelFixture.images(100 + t, 2, spec);
                expected[t] = one.run(inputs[t], 2);
            }
        }
        LoadedModel m = ExecutorModels.load(pkg, 3, 1, dev.orchard.Precision.FP32);
        assertEquals(3, m.streams());
        assertEquals(1, m.intraOpThreads());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<float[][][]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    float[][][] got = new float[20][][];
                    for (int r = 0; r < got.length; r++) {
                        got[r] = m.run(inputs[id], 2);
                    }
                    return got;
                }));
            }
            for (int t = 0; t < threads; t++) {
                for (float[][] got : results.get(t).get()) {
                    for (int i = 0; i < 2; i++) {
                        assertArrayEquals(expected[t][i], got[i], (float) Tolerances.F32, "thread " + t);
                    }
                }
            }
        } finally {
            pool.shutdown();
            m.close();
        }
        assertThrows(IllegalStateException.class, () -> m.run(inputs[0], 2));
        assertThrows(IllegalArgumentException.class, () -> ExecutorModels.load(pkg, 0, 1, dev.orchard.Precision.FP32));
    }

    /**
     * The executors' layout in a JVM where TensorFlow has run nothing yet (as on every executor): two one-thread
     * streams busy at once must run on two threads. Sessions sharing TensorFlow's global inter-op pool, which the
     * first session sizes (here: one thread), put both streams' work on one thread: the busiest thread's share of
     * the CPU was 0.84–0.89 before {@code LoadedModel.sessionConfig} gave each session its own pool, and is 0.44–0.45
     * with it (the rest: the callers, the JVM). A child JVM, since this one has made sessions already. CPU shares,
     * not speed: the bound holds on a loaded or one-core host.
     */
    @Test
    void streamsOfAFreshJvmRunOnThreadsOfTheirOwn() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), FreshJvmStreams.class.getName(),
                SampleModelFixture.sampleModel().toString(), "2", "2.0"));
        Path log = tmp.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertTrue(!p.isAlive(), "child JVM did not end within 120 s: " + out);
        assertEquals(0, p.exitValue(), out);
        java.util.regex.Matcher share = java.util.regex.Pattern.compile("busiest-thread-share ([0-9.]+)").matcher(out);
        assertTrue(share.find(), out);
        assertTrue(Double.parseDouble(share.group(1)) < 0.7,
                "one thread did most of two streams' work: they share one inter-op thread: " + out);
    }

    @Test
    void weightsComeFromTheSeedThroughTheVariablesCheckpoint(@TempDir Path other) throws IOException {
        Path vars = SampleModelFixture.sampleModel().resolve("variables");
        long checkpointBytes;
        try (Stream<Path> files = Files.list(vars)) {
            checkpointBytes = files.filter(p -> p.getFileName().toString().startsWith("variables.data"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
        // 3x3x3x16 + 3x3x16x32 + 3x3x32x64 + 64x128 weights and 240 biases, 4 bytes each.
        assertEquals(4L * (432 + 4608 + 18432 + 8192 + 16 + 32 + 64 + 128), checkpointBytes);

        SampleCnn.export(other, SampleModelFixture.SEED + 1);
        float[] x = SampleModelFixture.images(3, 1, spec);
        try (LoadedModel a = ExecutorModels.load(pkg);
             LoadedModel b = ExecutorModels.load(ModelPackage.fromDirectory(other, null))) {
            assertTrue(maxAbsDiff(a.run(x, 1)[0], b.run(x, 1)[0]) > 1e-3, "another seed, other features");
        }
    }

    @Test
    void runChecksItsArguments() {
        LoadedModel m = ExecutorModels.load(pkg, 1);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.run(new float[spec.inputLength() * 2 - 1], 2));
            assertTrue(e.getMessage().contains("100x100x3"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.run(new float[spec.inputLength()], 0));
            // A longer array is fine: only the first n images are used.
            float[] x = SampleModelFixture.images(5, 2, spec);
            float[] first = new float[spec.inputLength()];
            System.arraycopy(x, 0, first, 0, first.length);
            assertArrayEquals(m.run(first, 1)[0], m.run(x, 1)[0], (float) Tolerances.F32);
            m.close();
            m.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> m.run(first, 1));
        } finally {
            m.close();
        }
    }

    @Test
    void aSpecThatDoesNotMatchTheGraphFailsWithAModelException() {
        ModelSpec wrong = new ModelSpec("serving_default", "no_such_input:0", "features:0", 100, 100, 128,
                Preprocessing.UNIT);
        try (LoadedModel m = ExecutorModels.load(new ModelPackage(zipOf(pkg), wrong, "wrong"))) {
            ModelException e = assertThrows(ModelException.class, () -> m.run(new float[wrong.inputLength()], 1));
            assertTrue(e.getMessage().contains("no_such_input"), e.getMessage());
        }
    }

    @Test
    void manyBatchesDoNotLeakNativeMemory() throws IOException {
        // Every batch allocates a 4 x 100x100x3 input tensor (480 KB) plus outputs: leaking them would
        // add ~100 MB over 200 batches. Resident memory is noisy, so the bound is loose.
        float[] x = SampleModelFixture.images(13, 4, spec);
        try (LoadedModel m = ExecutorModels.load(pkg, 1)) {
            for (int i = 0; i < 20; i++) {
                m.run(x, 4);
            }
            long before = residentBytes();
            for (int i = 0; i < 200; i++) {
                m.run(x, 4);
            }
            long grown = residentBytes() - before;
            assertTrue(grown < 50L << 20, "resident memory grew by " + (grown >> 20) + " MB over 200 batches");
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static byte[] zipOf(ModelPackage p) {
        try {
            var f = ModelPackage.class.getDeclaredField("zip");
            f.setAccessible(true);
            return (byte[]) f.get(p);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
