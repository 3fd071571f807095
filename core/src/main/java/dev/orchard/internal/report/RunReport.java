package dev.orchard.internal.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchard.Fidelity;
import dev.orchard.Precision;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 6, report: what a run did, for machines ({@code report.json}). Sections are plain maps so the
 * JSON stays readable and easy to extend; build one with the setters, then {@link #toJson()}.
 */
public final class RunReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> root = new LinkedHashMap<>();

    public RunReport(String command, String orchardVersion) {
        root.put("command", command);
        root.put("orchardVersion", orchardVersion);
    }

    public RunReport put(String key, Object value) {
        root.put(key, value);
        return this;
    }

    /** Counts: {@code listed == featurized + failed} always. */
    public RunReport counts(long listed, long featurized, long failed) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("listed", listed);
        c.put("featurized", featurized);
        c.put("failed", failed);
        root.put("counts", c);
        return this;
    }

    /** Counts of an incremental run: {@code listed == reused + featurized + failed}; retired were not listed. */
    public RunReport counts(long listed, long reused, long featurized, long failed, long retired) {
        counts(listed, featurized, failed);
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) root.get("counts");
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("listed", listed);
        ordered.put("reused", reused);
        ordered.putAll(c);
        ordered.put("retired", retired);
        root.put("counts", ordered);
        return this;
    }

    /**
     * Throughput of the featurize stage.
     *
     * @param images  images featurized (or attempted)
     * @param seconds wall-clock seconds of the featurize stage
     * @param vcpus   executor cores that worked on it
     */
    public RunReport throughput(long images, double seconds, int vcpus) {
        Map<String, Object> t = new LinkedHashMap<>();
        double perSecond = seconds > 0 ? images / seconds : 0;
        t.put("images", images);
        t.put("seconds", round(seconds));
        t.put("vcpus", vcpus);
        t.put("imagesPerSecond", round(perSecond));
        t.put("imagesPerSecondPerVcpu", round(vcpus > 0 ? perSecond / vcpus : 0));
        t.put("imagesPerVcpuHour", Math.round(vcpus > 0 ? perSecond * 3600 / vcpus : 0));
        root.put("throughput", t);
        return this;
    }

    public RunReport timings(StageTimer timer) {
        Map<String, Object> t = new LinkedHashMap<>();
        timer.asMap().forEach((k, v) -> t.put(k, round(v)));
        t.put("total", round(timer.total()));
        root.put("timingsSeconds", t);
        return this;
    }

    public RunReport pca(int inputDimension, int k, double[] ratios) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("inputDimension", inputDimension);
        p.put("k", k);
        double cum = 0;
        double[] cumulative = new double[ratios.length];
        for (int i = 0; i < ratios.length; i++) {
            cum += ratios[i];
            cumulative[i] = cum;
        }
        p.put("explainedVarianceRatio", ratios);
        p.put("cumulativeExplainedVariance", cumulative);
        section("pca").putAll(p);
        return this;
    }

    public RunReport failures(Map<String, Long> byReason, List<Map<String, String>> examples) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("byReason", byReason);
        f.put("examples", examples);
        root.put("failures", f);
        return this;
    }

    /**
     * The explained-variance spectrum beyond the kept components, for the report's curves: the
     * ratios of the first {@code ratios.length} components (k of them kept).
     */
    public RunReport spectrum(double[] ratios, int keptK) {
        Map<String, Object> p = section("pca");
        double[] cumulative = new double[ratios.length];
        double cum = 0;
        for (int i = 0; i < ratios.length; i++) {
            cum += ratios[i];
            cumulative[i] = cum;
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("k", keptK);
        s.put("explainedVarianceRatio", ratios);
        s.put("cumulativeExplainedVariance", cumulative);
        p.put("spectrum", s);
        return this;
    }

    /** Images per class label, in label order. */
    public RunReport imagesPerClass(Map<String, Long> counts) {
        root.put("imagesPerClass", counts);
        return this;
    }

    /**
     * A bounded sample of the first two principal components for the scatter plot.
     *
     * @param labels class names by label index
     * @param points rows of {@code [pc1, pc2, labelIndex]}
     * @param total  how many projections the sample was drawn from
     */
    public RunReport scatter(List<String> labels, List<double[]> points, long total) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("labels", labels);
        s.put("sampled", points.size());
        s.put("total", total);
        List<double[]> rounded = points.stream()
                .map(p -> new double[] {round(p[0]), round(p[1]), p[2]})
                .toList();
        s.put("points", rounded);
        root.put("pcaScatter", s);
        return this;
    }

    /** One linear-probe result under {@code probe.<name>} (e.g. {@code raw}, {@code pca}). */
    public RunReport probe(String name, Map<String, Object> result) {
        section("probe").put(name, result);
        return this;
    }

    /**
     * The arithmetic of the run's sessions: {@code {"mode": "fp32"}}, or for bf16
     * {@code {"mode": "bf16", "cpuBf16": true|false|null, "sessions": "bf16"|"fp32"|"mixed", "note": ..,
     * "fidelity": {"images": n, "recomputedOn": "driver", "reference": "fp32", "cosineMin": ..,
     * "cosineMean": ..}}}. {@code cpuBf16}: whether the executors' CPUs have AVX512-BF16 or AMX (false if
     * any lacks them, null if unknown); {@code sessions}: what the executors' TensorFlow sessions ran
     * (fp32 where the CPU lacks bf16, see {@link Precision#onCpu}); the fidelity compares the run's
     * features of {@code images} images with fp32 features of the same images recomputed on the driver
     * (not counted as inferences).
     *
     * @param mode     the precision asked for
     * @param cpu      the bf16 support of each executor CPU seen (YES, NO, UNKNOWN); ignored for fp32
     * @param fidelity the measured fidelity, or null (fp32, or nothing to measure)
     */
    public RunReport precision(Precision mode, java.util.Set<Precision.CpuSupport> cpu, Fidelity fidelity) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("mode", mode.id());
        if (mode != Precision.FP32) {
            java.util.Set<Precision.CpuSupport> seen = cpu == null || cpu.isEmpty()
                    ? java.util.Set.of(Precision.CpuSupport.UNKNOWN) : cpu;
            p.put("cpuBf16", seen.contains(Precision.CpuSupport.NO) ? Boolean.FALSE
                    : seen.contains(Precision.CpuSupport.UNKNOWN) ? null : Boolean.TRUE);
            java.util.Set<String> sessions = new java.util.TreeSet<>();
            seen.forEach(c -> sessions.add(mode.onCpu(c).id()));
            p.put("sessions", sessions.size() == 1 ? sessions.iterator().next() : "mixed");
            if (seen.contains(Precision.CpuSupport.NO)) {
                p.put("note", "no avx512_bf16 or amx_bf16 on " + (seen.size() == 1 ? "the" : "some")
                        + " executor CPUs: their sessions ran fp32 (TensorFlow would emulate bf16 there, slower "
                        + "and less exact)");
            } else if (seen.contains(Precision.CpuSupport.UNKNOWN)) {
                p.put("note", "bf16 support of the executor CPUs unknown (no /proc/cpuinfo): sessions asked for "
                        + "bf16; without AVX512-BF16 or AMX TensorFlow emulates it, slower");
            }
            if (fidelity != null) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("images", fidelity.images());
                f.put("recomputedOn", "driver");
                f.put("reference", Precision.FP32.id());
                f.put("cosineMin", fidelity.cosineMin());
                f.put("cosineMean", fidelity.cosineMean());
                p.put("fidelity", f);
                String warning = dev.orchard.internal.featurize.PrecisionCheck.lowFidelityWarning(fidelity);
                if (warning != null) {
                    p.put("warning", warning);
                }
            }
        }
        root.put("precision", p);
        return this;
    }

    /** The cost and scale estimate. */
    public RunReport cost(Map<String, Object> estimate) {
        root.put("cost", estimate);
        return this;
    }

    /** Where the Spark event log of the run is, relative to the output root (e.g. {@code spark-events/app-1}). */
    public RunReport eventLog(String relativePath) {
        root.put("eventLog", relativePath);
        return this;
    }

    /** A nested section, created on first use. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> section(String key) {
        return (Map<String, Object>) root.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
    }

    public Object get(String key) {
        return root.get(key);
    }

    public Map<String, Object> asMap() {
        return root;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
