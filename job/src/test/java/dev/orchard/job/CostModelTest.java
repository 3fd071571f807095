package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {

    private static final double CENT = 0.005;

    @Test
    void extrapolatesListingSeriallyAndWorkOverTheCluster() {
        // 1000 images: listing 1 s, model 10 s, 100 s of work on 2 vCPUs = 0.2 vCPU-s per image.
        CostModel m = new CostModel("m5.xlarge", 0.5, "EUR", 4, 5, "test");
        Map<String, Object> e = m.estimate(1000, 1, 10, 100, 2);
        assertEquals(0.2, (double) e.get("vcpuSecondsPerImage"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) e.get("scales");
        // 1M images: listing 1000 s, work 1e6 · 0.2 / 20 = 10,000 s, plus 10 s: 11,010 s = 3.06 h on 5 instances.
        assertEquals(3.06, (double) rows.get(0).get("hours"), CENT);
        assertEquals(0.28, (double) rows.get(0).get("listingHours"), CENT);
        assertEquals(3.06 * 5 * 0.5, (double) rows.get(0).get("cost"), 0.02);
        assertEquals((10 + 1e5 + 1e6) / 3600, (double) rows.get(2).get("hours"), CENT, "100M images");
        assertEquals(11000 / 3600.0 * 5 * 0.5, (double) e.get("costPerMillionImages"), CENT);
    }

    @Test
    void refusesImpossibleClusters() {
        assertThrows(UsageException.class, () -> new CostModel("x", -1, "EUR", 1, 1, ""));
        assertThrows(UsageException.class, () -> new CostModel("x", 1, "EUR", 0, 1, ""));
        assertThrows(UsageException.class, () -> new CostModel("x", 1, "EUR", 1, 0, ""));
    }
}
