package dev.orchard.bench.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * This CPU's FP32 peak, from {@code /proc/cpuinfo}: {@code cores × GHz × FMA units × lanes × 2}
 * (a fused multiply-add is 2 FLOPs). Lanes: 16 with AVX-512F, 8 with AVX2+FMA, 4 otherwise.
 * <b>Assumption:</b> 2 FMA units per core (AMD Zen 2-4, Intel Haswell and later client, Skylake-SP
 * Gold/Platinum); GHz is the nominal clock {@code cpu MHz} reports in a VM (turbo would raise the
 * peak, so the fraction is an upper bound on efficiency at turbo clocks, a lower one at base).
 *
 * @param cores    logical CPUs the JVM may use
 * @param ghz      clock assumed
 * @param lanes    FP32 lanes per vector FMA
 * @param fmaUnits vector FMA units per core
 * @param model    CPU model name
 */
record CpuPeak(int cores, double ghz, int lanes, int fmaUnits, String model) {

    static CpuPeak detect(Double ghzOverride) {
        String model = "unknown";
        double mhz = 0;
        String flags = "";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                String v = l.contains(":") ? l.substring(l.indexOf(':') + 1).strip() : "";
                if (l.startsWith("model name") && model.equals("unknown")) {
                    model = v;
                } else if (l.startsWith("cpu MHz") && mhz == 0) {
                    mhz = Double.parseDouble(v);
                } else if (l.startsWith("flags") && flags.isEmpty()) {
                    flags = " " + v + " ";
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: fall back to the override or 0
        }
        int lanes = flags.contains(" avx512f ") ? 16 : (flags.contains(" avx2 ") && flags.contains(" fma ")) ? 8 : 4;
        double ghz = ghzOverride != null ? ghzOverride : mhz / 1000.0;
        return new CpuPeak(Runtime.getRuntime().availableProcessors(), ghz, lanes, 2, model);
    }

    /** Peak FP32 GFLOP/s of all {@link #cores}. */
    double gflops() {
        return cores * ghz * fmaUnits * lanes * 2;
    }

    String describe() {
        return String.format(Locale.ROOT, "%s, %d cores x %.2f GHz x %d FMA units x %d fp32 lanes x 2 = %.1f GFLOP/s",
                model, cores, ghz, fmaUnits, lanes, gflops());
    }
}
