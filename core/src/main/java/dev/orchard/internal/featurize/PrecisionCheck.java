package dev.orchard.internal.featurize;

import dev.orchard.FeatureRecord;
import dev.orchard.FeaturizeOptions;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.Fidelity;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.Precision;
import dev.orchard.internal.report.RunReport;
import dev.orchard.StorageException;
import dev.orchard.internal.storage.Storages;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code --precision bf16} is checked with: the CPUs' bf16 support, and the fidelity of the
 * run's bf16 features measured against fp32 ones recomputed on the driver.
 */
public final class PrecisionCheck {

    /** Most images whose features the driver recomputes in fp32 for the fidelity figure. */
    public static final int FIDELITY_MAX_IMAGES = 64;

    /**
     * Below this cosine similarity to fp32 (the smallest over the checked images) a bf16 run is reported as
     * suspect. Measured on a CPU with native bf16 kernels (AVX512-BF16): a seeded MobileNetV2-224 0.991, the tests'
     * untrained sample CNN 0.94-0.97 — and 0.42-0.69 in about half the runs of that CNN while
     * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} (Orchard's default), in 1 of 14 runs with it at 0: see
     * {@link #lowFidelityWarning}.
     */
    public static final double LOW_FIDELITY_COSINE = 0.9;

    private static final Logger LOG = LoggerFactory.getLogger(PrecisionCheck.class);

    private PrecisionCheck() {}

    /**
     * bf16 support of the executors' CPUs: one tiny task per default-parallelism slot reads its
     * host's {@code /proc/cpuinfo}; the distinct answers. (Which hosts run the tasks is Spark's choice,
     * so on a mixed cluster this is a sample.)
     */
    public static Set<Precision.CpuSupport> executorCpuBf16(JavaSparkContext sc) {
        int slots = Math.max(1, sc.defaultParallelism());
        List<Integer> seeds = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            seeds.add(i);
        }
        return EnumSet.copyOf(sc.parallelize(seeds, slots).map(i -> Precision.cpuBf16()).distinct().collect());
    }

    /** Logs the one WARN line of a bf16 run on CPUs that lack (or may lack) bf16 instructions. */
    public static void warnIfNoHardware(Set<Precision.CpuSupport> cpu) {
        if (cpu.contains(Precision.CpuSupport.NO)) {
            LOG.warn("--precision bf16: no bf16 support in hardware on {} executor CPUs (no avx512_bf16 or amx_bf16 in "
                    + "/proc/cpuinfo): TensorFlow would only emulate bf16 there (measured 4-5x slower on MobileNetV2), so those "
                    + "sessions keep fp32 math", cpu.size() == 1 ? "the" : "some");
        } else if (cpu.contains(Precision.CpuSupport.UNKNOWN)) {
            LOG.warn("--precision bf16: cannot tell whether the executor CPUs have bf16 support (no /proc/cpuinfo); "
                    + "without AVX512-BF16 or AMX TensorFlow emulates bf16, slower than fp32");
        }
    }

    /**
     * The fidelity of a run's features: the first {@code maxImages} featurized images by image id are
     * fetched and decoded again on the driver with the executors' decoder, run through a new fp32
     * session of the same model, and compared by cosine similarity with their features from the run.
     * The run's features come from the persisted partitions, so the run's CNN does not run again;
     * the driver's recompute is not counted as inferences.
     *
     * @param features  the run's featurized images (persisted)
     * @param pkg       the model the run used
     * @param options   the run's options (decoder limits, storage, batch size)
     * @param maxImages most images to compare, at least 1
     * @return the comparison, or {@code null} if no image could be compared
     */
    public static Fidelity measure(JavaRDD<FeatureRecord> features, ModelPackage pkg, FeaturizeOptions options,
                            int maxImages) {
        if (maxImages < 1) {
            throw new IllegalArgumentException("maxImages must be >= 1 but was " + maxImages);
        }
        List<FeatureRecord> sample = features.takeOrdered(maxImages, new ById());
        ImageDecoder decoder = ImageDecoder.forModel(pkg.spec(), options.maxPixels());
        int len = decoder.inputLength();
        List<float[]> run = new ArrayList<>();
        List<float[]> reference = new ArrayList<>();
        try (LoadedModel fp32 = ExecutorModels.load(pkg, LoadedModel.defaultIntraOpThreads(), Precision.FP32)) {
            int batch = Math.min(options.batchSize(), maxImages);
            float[] nhwc = new float[batch * len];
            List<float[]> pending = new ArrayList<>();
            for (FeatureRecord r : sample) {
                float[] pixels = decode(r.imageId(), decoder, options);
                if (pixels == null) {
                    continue;
                }
                System.arraycopy(pixels, 0, nhwc, pending.size() * len, len);
                pending.add(r.features());
                if (pending.size() == batch) {
                    flush(fp32, nhwc, pending, run, reference);
                }
            }
            if (!pending.isEmpty()) {
                flush(fp32, nhwc, pending, run, reference);
            }
        }
        if (run.isEmpty()) {
            return null;
        }
        Fidelity fidelity = Fidelity.compare(run, reference);
        String warning = lowFidelityWarning(fidelity);
        if (warning != null) {
            LOG.warn(warning);
        }
        return fidelity;
    }

    private static void flush(LoadedModel fp32, float[] nhwc, List<float[]> pending, List<float[]> run,
                              List<float[]> reference) {
        float[][] out = fp32.run(nhwc, pending.size());
        run.addAll(pending);
        reference.addAll(List.of(out));
        pending.clear();
    }

    /** The image's model input, or null (logged) if it cannot be read again. */
    private static float[] decode(String uri, ImageDecoder decoder, FeaturizeOptions options) {
        try {
            return decoder.decode(Storages.forUri(uri, options.storage()).readAllBytes(uri));
        } catch (ImageDecodeException | StorageException | java.io.IOException | java.io.UncheckedIOException e) {
            LOG.warn("Fidelity check skips {}: it cannot be read again on the driver ({})", uri, e.getMessage());
            return null;
        }
    }

    /**
     * What to tell the user when a bf16 run's features are far from fp32 ({@link Fidelity#cosineMin()} below
     * {@link #LOW_FIDELITY_COSINE}); null when they are not. On the AVX512-BF16 host of 2026-12-05, TensorFlow 2.18's
     * native bf16 kernels gave wrong features (cosine 0.42-0.69 to fp32, the bf16 features themselves, checked
     * against a separate fp32 process) in about half the runs with {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1}
     * (per-session thread pools; 4 of 10 runs), with or without {@code TF_ONEDNN_ASSUME_FROZEN_WEIGHTS}; in 1 of 14
     * with it at 0 (none of the first 8), and in none of 3 with {@code ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI} (no
     * native bf16 kernels). The cause inside TensorFlow/oneDNN is not known.
     */
    public static String lowFidelityWarning(Fidelity f) {
        if (f == null || !(f.cosineMin() < LOW_FIDELITY_COSINE)) {
            return null;
        }
        return String.format(Locale.ROOT, "bf16 features are far from fp32 (cosine min %.3f < %.1f over %d images): "
                + "on CPUs with native bf16 kernels TensorFlow gave wrong bf16 features in about half the runs with "
                + "TF_OVERRIDE_GLOBAL_THREADPOOL=1 (Orchard's default) and in fewer with 0; rerun with --precision "
                + "fp32, or with TF_OVERRIDE_GLOBAL_THREADPOOL=0 in the executors' environment "
                + "(spark.executorEnv.TF_OVERRIDE_GLOBAL_THREADPOOL=0, and in the environment of a local run)",
                f.cosineMin(), LOW_FIDELITY_COSINE, f.images());
    }

    /**
     * The console line of a bf16 run, from its report's {@code precision} section; null for fp32 or
     * a report without that section.
     */
    public static String summary(RunReport report) {
        if (!(report.get("precision") instanceof Map<?, ?> p) || "fp32".equals(p.get("mode"))) {
            return null;
        }
        Object cpu = p.get("cpuBf16");
        String hw = (Boolean.TRUE.equals(cpu) ? "CPU bf16: yes" : Boolean.FALSE.equals(cpu) ? "CPU bf16: no"
                : "CPU bf16: unknown") + ", sessions ran " + p.get("sessions");
        if (!(p.get("fidelity") instanceof Map<?, ?> f)) {
            return "precision " + p.get("mode") + " (" + hw + "): no image to measure fidelity on";
        }
        return String.format(Locale.ROOT, "precision %s (%s): cosine similarity to fp32 over %s images (recomputed "
                + "on the driver): min %.6f, mean %.6f", p.get("mode"), hw, f.get("images"),
                ((Number) f.get("cosineMin")).doubleValue(), ((Number) f.get("cosineMean")).doubleValue())
                + (p.get("warning") == null ? "" : "\nWARNING: " + p.get("warning"));
    }

    /** Image-id order, serializable for {@code takeOrdered}. */
    private static final class ById implements Comparator<FeatureRecord>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(FeatureRecord a, FeatureRecord b) {
            return a.imageId().compareTo(b.imageId());
        }
    }
}
