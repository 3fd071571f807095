package dev.orchard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The arithmetic a model's session is asked to use.
 *
 * <ul>
 *   <li>{@link #FP32}: TensorFlow's default, 32-bit floats everywhere.</li>
 *   <li>{@link #BF16}: grappler's oneDNN automatic mixed precision
 *       ({@code ConfigProto.graph_options.rewrite_options.auto_mixed_precision_onednn_bfloat16 = ON},
 *       which needs {@code TF_ENABLE_ONEDNN_OPTS=1}): convolutions and matrix products run in bfloat16
 *       (8-bit mantissa); inputs, outputs and variables stay fp32. It pays only where the CPU has bf16
 *       instructions (AVX512-BF16 or AMX: Cooper Lake, Sapphire Rapids and later, Zen 4 and later).</li>
 * </ul>
 *
 * <p><b>CPUs without bf16 instructions.</b> TensorFlow still rewrites the graph there and runs the
 * bf16 ops on its Eigen fallback kernels: measured on AMD Zen 3 (AVX2), MobileNetV2-224 went from
 * 13.6-14.1 to 52-76 ms/image (two runs on a loaded machine) and its features to a cosine similarity
 * of 0.997 with fp32. So
 * {@link #onCpu(CpuSupport)} turns a bf16 request into fp32 on such CPUs; {@link LoadedModel} and
 * {@link ExecutorModels} themselves always do what they are asked.
 *
 * <p><b>CPUs with bf16 instructions.</b> Measured on a host reporting AVX512-BF16 ("AMD EPYC", 2026-12-05,
 * {@code Bf16Probe 224 16 4}): MobileNetV2-224 with seeded weights 3.61 vs 5.14 ms/image (1.42× faster), features
 * at a cosine similarity of 0.991-0.992 with fp32; a small untrained CNN (the tests' sample model) only 0.95-0.97,
 * since oneDNN's bf16 kernels also round each layer's output.
 *
 * <p>bf16 changes the features, slightly or not, depending on the network; compare them with fp32 over a sample of
 * images ({@link Fidelity}, in every bf16 run's report) before relying on them.
 */
public enum Precision {
    FP32,
    BF16;

    /** The {@code /proc/cpuinfo} flags that mean the CPU executes bf16 dot products natively. */
    static final String[] BF16_CPU_FLAGS = {"avx512_bf16", "amx_bf16"};

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /**
     * The precision to give a session on a CPU of the given bf16 support: {@link #FP32} for a bf16
     * request on a CPU known to lack bf16 instructions ({@link CpuSupport#NO}), where TensorFlow would
     * emulate bf16, slower and less exact; otherwise this precision (an unknown CPU gets what was asked).
     */
    public Precision onCpu(CpuSupport cpu) {
        return this == BF16 && cpu == CpuSupport.NO ? FP32 : this;
    }

    /** {@link #onCpu(CpuSupport)} for the CPU this JVM runs on ({@link #cpuBf16()}, read once). */
    public Precision onThisCpu() {
        return onCpu(ThisCpu.SUPPORT);
    }

    /** Lazily read bf16 support of this JVM's CPU. */
    private static final class ThisCpu {
        static final CpuSupport SUPPORT = cpuBf16();
    }

    /** Lower-case name as written on the command line and in reports: {@code fp32}, {@code bf16}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The accepted names, comma-separated, for messages: {@code "fp32, bf16"}. */
    public static String allowed() {
        return Arrays.stream(values()).map(Precision::id).collect(Collectors.joining(", "));
    }

    /**
     * The precision named {@code s} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value and the allowed ones if it is none of them
     */
    public static Precision parse(String s) {
        if (s != null) {
            for (Precision p : values()) {
                if (p.id().equalsIgnoreCase(s.strip())) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("precision must be one of " + allowed() + " but was '" + s + "'");
    }

    /** Whether this JVM's CPU has bf16 instructions, as far as can be told. */
    public enum CpuSupport {
        /** {@code /proc/cpuinfo} lists {@code avx512_bf16} or {@code amx_bf16}. */
        YES,
        /** {@code /proc/cpuinfo} lists neither: a {@link #BF16} request runs in fp32 ({@link #onCpu}). */
        NO,
        /** No {@code /proc/cpuinfo} (not Linux) or it could not be read. */
        UNKNOWN;

        /** {@code true}, {@code false}, or {@code null} for unknown: the JSON form used in reports. */
        public Boolean asBoolean() {
            return this == UNKNOWN ? null : this == YES;
        }
    }

    /** bf16 support of the CPU this JVM runs on, from {@code /proc/cpuinfo}. */
    public static CpuSupport cpuBf16() {
        return cpuBf16(CPUINFO);
    }

    /**
     * bf16 support according to a {@code /proc/cpuinfo}-style file: {@link CpuSupport#YES} if any
     * {@code flags} line lists one of {@code avx512_bf16}, {@code amx_bf16}; {@link CpuSupport#UNKNOWN}
     * if the file is missing, unreadable or has no {@code flags} line.
     */
    public static CpuSupport cpuBf16(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return CpuSupport.UNKNOWN;
        }
        boolean sawFlags = false;
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            for (String line : (Iterable<String>) lines::iterator) {
                int colon = line.indexOf(':');
                if (colon < 0 || !line.substring(0, colon).strip().equals("flags")) {
                    continue;
                }
                sawFlags = true;
                for (String flag : line.substring(colon + 1).strip().split("\\s+")) {
                    for (String wanted : BF16_CPU_FLAGS) {
                        if (flag.equals(wanted)) {
                            return CpuSupport.YES;
                        }
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return CpuSupport.UNKNOWN;
        }
        return sawFlags ? CpuSupport.NO : CpuSupport.UNKNOWN;
    }
}
