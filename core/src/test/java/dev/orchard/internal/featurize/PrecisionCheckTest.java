package dev.orchard.internal.featurize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.Fidelity;
import dev.orchard.Precision;
import dev.orchard.internal.report.RunReport;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A bf16 run whose features are far from fp32 says so: in the report, on the console line, with what to do. */
class PrecisionCheckTest {

    @Test
    void lowFidelityIsReportedWithTheKnownCauseAndWhatToDo() {
        assertNull(PrecisionCheck.lowFidelityWarning(null));
        assertNull(PrecisionCheck.lowFidelityWarning(new Fidelity(64, 0.946, 0.954)));
        assertNull(PrecisionCheck.lowFidelityWarning(new Fidelity(64, PrecisionCheck.LOW_FIDELITY_COSINE, 0.95)));
        String w = PrecisionCheck.lowFidelityWarning(new Fidelity(64, 0.656, 0.835));
        assertTrue(w.startsWith("bf16 features are far from fp32 (cosine min 0.656 < 0.9 over 64 images)"), w);
        assertTrue(w.contains("spark.executorEnv.TF_OVERRIDE_GLOBAL_THREADPOOL=0") && w.contains("--precision fp32"), w);

        RunReport bad = new RunReport("run", "test").precision(Precision.BF16, Set.of(Precision.CpuSupport.YES),
                new Fidelity(64, 0.656, 0.835));
        assertEquals(w, ((Map<?, ?>) bad.get("precision")).get("warning"));
        assertTrue(PrecisionCheck.summary(bad).endsWith("\nWARNING: " + w), PrecisionCheck.summary(bad));

        RunReport good = new RunReport("run", "test").precision(Precision.BF16, Set.of(Precision.CpuSupport.YES),
                new Fidelity(64, 0.946, 0.954));
        assertNull(((Map<?, ?>) good.get("precision")).get("warning"));
        assertTrue(!PrecisionCheck.summary(good).contains("WARNING"), PrecisionCheck.summary(good));
    }
}
