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
        return run.isEmpty() ? null : Fidelity.compare(run, reference);
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
                ((Number) f.get("cosineMin")).doubleValue(), ((Number) f.get("cosineMean")).doubleValue());
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
