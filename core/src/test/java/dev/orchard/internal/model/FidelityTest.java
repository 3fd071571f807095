package dev.orchard.internal.model;

import dev.orchard.Fidelity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.testing.Tolerances;
import java.util.List;
import org.junit.jupiter.api.Test;

class FidelityTest {

    @Test
    void cosineAgainstHandComputedValues() {
        // (1,2,3)·(4,5,6) = 32; |a| = sqrt(14), |b| = sqrt(77): 32 / sqrt(1078) = 0.9746318461970762
        assertEquals(0.9746318461970762, Fidelity.cosine(new float[] {1, 2, 3}, new float[] {4, 5, 6}), Tolerances.F64);
        assertEquals(0, Fidelity.cosine(new float[] {1, 0}, new float[] {0, 1}), Tolerances.F64);
        assertEquals(-1, Fidelity.cosine(new float[] {1, -2}, new float[] {-1, 2}), Tolerances.F64);
        assertEquals(1, Fidelity.cosine(new float[] {3, 4}, new float[] {6, 8}), Tolerances.F64, "scale-free");
        // (3,4)·(4,3) = 24 over 5 × 5
        assertEquals(0.96, Fidelity.cosine(new float[] {3, 4}, new float[] {4, 3}), Tolerances.F64);
    }

    @Test
    void zeroVectorsAreDefined() {
        assertEquals(1, Fidelity.cosine(new float[] {0, 0, 0}, new float[] {0, 0, 0}), "two zero vectors: identical");
        assertEquals(0, Fidelity.cosine(new float[] {0, 0, 0}, new float[] {1, 2, 3}), "zero against non-zero");
        assertEquals(0, Fidelity.cosine(new float[] {1, 2, 3}, new float[] {0, 0, 0}), "non-zero against zero");
        assertEquals(1, Fidelity.cosine(new float[0], new float[0]), "empty vectors are zero vectors");
    }

    @Test
    void nonFiniteGivesNaNAndLengthsMustMatch() {
        assertTrue(Double.isNaN(Fidelity.cosine(new float[] {1, Float.NaN}, new float[] {1, 2})));
        assertTrue(Double.isNaN(Fidelity.cosine(new float[] {1, 2}, new float[] {Float.POSITIVE_INFINITY, 2})));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fidelity.cosine(new float[2], new float[3]));
        assertTrue(e.getMessage().contains("2") && e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void compareGivesMinAndMeanOverPairs() {
        Fidelity f = Fidelity.compare(
                List.of(new float[] {1, 2, 3}, new float[] {3, 4}, new float[] {1, 0}),
                List.of(new float[] {2, 4, 6}, new float[] {4, 3}, new float[] {1, 0}));
        assertEquals(3, f.images());
        assertEquals(0.96, f.cosineMin(), Tolerances.F64);
        assertEquals((1 + 0.96 + 1) / 3, f.cosineMean(), Tolerances.F64);
        assertEquals(3, f.toMap().get("images"));

        Fidelity bad = Fidelity.compare(List.of(new float[] {1}, new float[] {Float.NaN}),
                List.of(new float[] {1}, new float[] {1}));
        assertTrue(Double.isNaN(bad.cosineMin()), "a non-finite feature shows in the minimum");

        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(List.of(new float[1]), List.of()));
    }
}
