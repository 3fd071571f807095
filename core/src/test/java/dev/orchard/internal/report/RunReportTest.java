package dev.orchard.internal.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.testing.Tolerances;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sectionsLandInTheJson() throws Exception {
        Map<String, Long> perClass = new LinkedHashMap<>();
        perClass.put("Pear", 3L);
        perClass.put("Apple", 2L);
        RunReport r = new RunReport("run", "0")
                .pca(4, 2, new double[] {0.6, 0.3})
                .spectrum(new double[] {0.6, 0.3, 0.08, 0.02}, 2)
                .imagesPerClass(perClass)
                .scatter(List.of("a", "b"), List.of(new double[] {1.23456, -2, 1}), 10)
                .probe("raw", Map.of("accuracy", 0.9))
                .probe("pca", Map.of("accuracy", 0.7))
                .cost(Map.of("instanceType", "m5.xlarge"))
                .eventLog("spark-events/app-1");
        JsonNode j = JSON.readTree(r.toJson());
        assertEquals(2, j.path("pca").path("k").asInt(), "pca() and spectrum() share the section");
        assertEquals(0.9, j.path("pca").path("cumulativeExplainedVariance").get(1).asDouble(), Tolerances.F64);
        assertEquals(1.0, j.path("pca").path("spectrum").path("cumulativeExplainedVariance").get(3).asDouble(),
                Tolerances.F64);
        assertEquals("Pear", j.path("imagesPerClass").fieldNames().next(), "label order kept");
        assertEquals(1.235, j.path("pcaScatter").path("points").get(0).get(0).asDouble(), Tolerances.F64);
        assertEquals(10, j.path("pcaScatter").path("total").asLong());
        assertEquals(0.7, j.path("probe").path("pca").path("accuracy").asDouble(), Tolerances.F64);
        assertEquals("m5.xlarge", j.path("cost").path("instanceType").asText());
        assertEquals("spark-events/app-1", j.path("eventLog").asText());
    }
}
