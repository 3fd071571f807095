package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class CostModelTest {

    private static final double CENT = 0.005;
    private static final ExecutorCensus.Shape TWO_BY_ONE = new ExecutorCensus.Shape(2, 1, "test");

    private static CostModel model(double price, String market, double fee, Integer executors, Integer cores,
                                   int perInstance) {
        return new CostModel("m5.xlarge", price, market, fee, "EUR", executors, cores, perInstance, "test");
    }

    @Test
    void extrapolatesListingSeriallyAndWorkOverTheCluster() {
        // 1000 images: listing 1 s, model 10 s, 100 s of work on 2 vCPUs = 0.2 vCPU-s per image.
        CostModel m = model(0.5, CostModel.ON_DEMAND, 0, 4, 5, 1);
        Map<String, Object> e = m.estimate(TWO_BY_ONE, 1000, 1, 10, 100);
        assertEquals(0.2, (double) e.get("vcpuSecondsPerImage"), 1e-12);
        assertEquals(2, e.get("measuredVcpus"));
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
    void withoutFlagsTheClusterIsTheOneThatRan() {
        Map<String, Object> e = model(0.5, CostModel.ON_DEMAND, 0, null, null, 1).estimate(TWO_BY_ONE, 1000, 0, 0, 100);
        assertEquals(2, e.get("executors"));
        assertEquals(1, e.get("coresPerExecutor"));
        assertEquals(2, e.get("clusterVcpus"));
        assertEquals(3, e.get("instances"), "2 workers + 1 primary");
        @SuppressWarnings("unchecked")
        Map<String, String> inputs = (Map<String, String>) e.get("inputs");
        assertEquals("2 (as ran)", inputs.get("executors"));
        assertTrue(inputs.get("ran").contains("2 executors × 1 cores (test)"), inputs.toString());
        // 0.2 vCPU-s per image on 2 vCPUs: 1e6 images = 1e5 s = 27.78 h on 3 instances at 0.5.
        assertEquals(1e5 / 3600 * 3 * 0.5, (double) e.get("costPerMillionImages"), CENT);
    }

    @Test
    void spotPriceAndEmrFeeAreBilledPerInstanceAndExecutorsShareInstances() {
        // 8 executors, 2 per instance: 4 workers + 1 primary, each at 0.10 spot + 0.05 EMR fee.
        CostModel m = model(0.10, CostModel.SPOT, 0.05, 8, 4, 2);
        Map<String, Object> e = m.estimate(TWO_BY_ONE, 1000, 0, 0, 100);
        assertEquals(5, e.get("instances"));
        assertEquals("spot", e.get("market"));
        assertEquals(0.15, (double) e.get("billedPerInstanceHour"), 1e-12);
        // 0.2 vCPU-s per image over 32 vCPUs: 1e6 images = 6,250 s = 1.736 h × 5 × 0.15.
        assertEquals(1e6 * 0.2 / 32 / 3600 * 5 * 0.15, (double) e.get("costPerMillionImages"), CENT);
        @SuppressWarnings("unchecked")
        Map<String, String> inputs = (Map<String, String>) e.get("inputs");
        assertEquals("8 (--executors)", inputs.get("executors"));
        assertTrue(inputs.get("emrFee").startsWith("0.05 EUR/h"), inputs.get("emrFee"));
        assertTrue(inputs.get("price").contains("spot"), inputs.get("price"));
    }

    @Test
    void refusesImpossibleClusters() {
        assertThrows(UsageException.class, () -> model(-1, CostModel.ON_DEMAND, 0, 1, 1, 1));
        assertThrows(UsageException.class, () -> model(1, CostModel.ON_DEMAND, -0.1, 1, 1, 1));
        assertThrows(UsageException.class, () -> model(1, "reserved", 0, 1, 1, 1));
        assertThrows(UsageException.class, () -> model(1, CostModel.ON_DEMAND, 0, 0, 1, 1));
        assertThrows(UsageException.class, () -> model(1, CostModel.ON_DEMAND, 0, 1, 0, 1));
        assertThrows(UsageException.class, () -> model(1, CostModel.ON_DEMAND, 0, 1, 1, 0));
    }

    /** The census that SparkContexts registers sees local[3] as one executor (the driver) of 3 cores. */
    @Test
    void censusReadsTheRunningContext() {
        try (JavaSparkContext sc = SparkContexts.create("census", "local[3]", false, false)) {
            sc.parallelize(List.of(1, 2, 3), 3).count();
            ExecutorCensus.Shape s = ExecutorCensus.of(sc.sc());
            assertEquals(1, s.executors());
            assertEquals(3, s.coresPerExecutor());
            assertTrue(s.source().startsWith("observed"), s.source());
        }
        // A context without the census (a library user's): a snapshot of the same.
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("plain")
                .set("spark.ui.enabled", "false"))) {
            ExecutorCensus.Shape s = ExecutorCensus.of(sc.sc());
            assertEquals(1, s.executors());
            assertEquals(2, s.coresPerExecutor());
            assertTrue(s.source().startsWith("snapshot"), s.source());
        }
    }
}
