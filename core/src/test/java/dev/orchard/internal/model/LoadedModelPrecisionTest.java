package dev.orchard.internal.model;

import dev.orchard.Fidelity;

import dev.orchard.Precision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.SparkTestSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/**
 * {@link LoadedModel} and {@link ExecutorModels} under {@link Precision#BF16}. Runs in its own surefire execution
 * with {@code TF_OVERRIDE_GLOBAL_THREADPOOL=0} (core/pom.xml): with per-session pools TensorFlow's native bf16
 * kernels gave wrong features in about half the runs on the AVX512-BF16 host (in this JVM after the other tests'
 * sessions: cosine 0.636; see {@code PrecisionCheck.lowFidelityWarning}).
 */
class LoadedModelPrecisionTest {

    /**
     * Smallest cosine similarity accepted between bf16 and fp32 features of one image of the sample CNN (seeded,
     * untrained weights) where the CPU has no bf16 instructions and TensorFlow runs bf16 on its Eigen fallback: bf16
     * keeps 8 mantissa bits (relative error ~0.4 % per value), which a few layers average down to well above this.
     */
    static final double BF16_MIN_COSINE = 0.99;
    /**
     * The same where the CPU has bf16 instructions: oneDNN's native bf16 kernels also round every layer's output, and
     * on a CPU with AVX512-BF16 (2026-12-05, "AMD EPYC") gave 0.968 on these noise images (0.946 on sample photos in
     * {@code PrecisionRunTest}), where a seeded MobileNetV2-224 keeps 0.991 ({@code Bf16Probe}, see
     * {@link Precision}). The bound leaves room for other bf16 CPUs (AMX).
     */
    static final double BF16_NATIVE_MIN_COSINE = 0.9;

    /** Whether this CPU runs bf16 natively (else TensorFlow emulates it). */
    static boolean nativeBf16() {
        return Precision.cpuBf16() == Precision.CpuSupport.YES;
    }

    @Test
    void sessionConfigAsksForTheOneDnnBf16RewriteOnlyInBf16() {
        ConfigProto bf16 = LoadedModel.sessionConfig(3, Precision.BF16, true);
        assertEquals(RewriterConfig.Toggle.ON, bf16.getGraphOptions().getRewriteOptions().getAutoMixedPrecisionOnednnBfloat16());
        assertEquals(3, bf16.getIntraOpParallelismThreads());
        assertEquals(1, bf16.getInterOpParallelismThreads());
        ConfigProto fp32 = LoadedModel.sessionConfig(3, Precision.FP32, true);
        assertFalse(fp32.hasGraphOptions(), "fp32 leaves every rewrite at TensorFlow's default");
        assertEquals(3, fp32.getIntraOpParallelismThreads());
        // An inter-op pool of its own only for fp32 sessions of a model with several streams (LoadedModel.sessionConfig)
        assertEquals(1, fp32.getSessionInterOpThreadPoolCount());
        assertEquals(0, bf16.getSessionInterOpThreadPoolCount());
        assertEquals(0, LoadedModel.sessionConfig(3, Precision.FP32, false).getSessionInterOpThreadPoolCount());
    }

    @Test
    void bf16LoadsAndRunsTheSampleModelCloseToFp32() {
        if (nativeBf16()) {
            assertEquals("0", System.getenv("TF_OVERRIDE_GLOBAL_THREADPOOL"),
                    "native bf16 kernels are checked with the global thread pool (core/pom.xml's bf16 execution)");
        }
        ModelPackage pkg = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), ModelOverrides.none());
        ModelSpec spec = pkg.spec();
        int n = 8;
        float[] x = SampleModelFixture.images(5, n, spec);
        float[][] reference;
        try (LoadedModel fp32 = ExecutorModels.load(pkg, 2)) {
            assertEquals(Precision.FP32, fp32.precision());
            reference = fp32.run(x, n);
        }
        try (LoadedModel bf16 = ExecutorModels.load(pkg, 2, Precision.BF16)) {
            assertEquals(Precision.BF16, bf16.precision());
            assertEquals(spec, bf16.spec());
            float[][] out = bf16.run(x, n);
            assertEquals(n, out.length);
            List<float[]> a = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                assertEquals(spec.featureDim(), out[i].length);
                double norm = 0;
                for (float v : out[i]) {
                    assertTrue(Float.isFinite(v), "non-finite bf16 feature " + v);
                    norm += v * v;
                }
                assertTrue(norm > 0, "all-zero bf16 features for image " + i);
                a.add(out[i]);
                b.add(reference[i]);
            }
            Fidelity f = Fidelity.compare(a, b);
            double bound = nativeBf16() ? BF16_NATIVE_MIN_COSINE : BF16_MIN_COSINE;
            assertTrue(f.cosineMin() > bound && f.cosineMin() <= 1, f.toString());
            assertTrue(!Arrays.equals(out[0], out[1]), "bf16 gives different images different features");
            if (!nativeBf16()) {
                // The features still tell images apart. Not so on native bf16 kernels for this untrained CNN: measured
                // on the AVX512-BF16 host, images 0 and 1 are more alike than bf16 and fp32 of one image, and an
                // image's bf16 features are not nearest to its own fp32 ones, for noise images and fruit photos alike.
                assertTrue(Fidelity.cosine(out[0], out[1]) < f.cosineMin(),
                        "images 0 and 1 differ more than bf16 and fp32");
            }
        }
    }

    @Test
    void executorModelsKeepsOneInstancePerPrecision() {
        JavaSparkContext sc = SparkTestSupport.sc();
        ModelPackage pkg = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), ModelOverrides.none());
        Broadcast<ModelPackage> model = sc.broadcast(pkg);
        try {
            LoadedModel fp32 = ExecutorModels.get(model, 1, Precision.FP32);
            LoadedModel bf16 = ExecutorModels.get(model, 1, Precision.BF16);
            assertNotSame(fp32, bf16);
            assertSame(fp32, ExecutorModels.get(model), "the plain get is the fp32 instance");
            assertSame(bf16, ExecutorModels.get(model, 2, Precision.BF16));
            assertEquals(Precision.BF16, bf16.precision());
            assertEquals(Precision.FP32, fp32.precision());
        } finally {
            ExecutorModels.evict(model);
            model.destroy();
        }
    }
}
