package dev.orchard.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.StorageOptions;
import dev.orchard.ListingDiff;
import dev.orchard.internal.storage.Storage;
import dev.orchard.internal.storage.Storages;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's {@code incremental} section: what the run reused and computed, and what the reuse saved —
 * the CNN's vCPU time for the reused images at the run's own measured rate (featurize-stage wall time × task
 * slots / images featurized), and its price under the run's cost model. A run that featurized nothing has no
 * rate of its own: the newest earlier output that measured one lends it, and the section says which.
 */
final class IncrementalReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IncrementalReport() {}

    /** One progress line. */
    static String line(ListingDiff c) {
        return String.format(Locale.ROOT, "%d listed: %d new, %d changed, %d failed before (retried), %d unchanged "
                + "(reused, not fetched); %d retired", c.countListed(), c.countNew(), c.countChanged(),
                c.countRetried(), c.countUnchanged(), c.countRetired());
    }

    static Map<String, Object> section(ListingDiff run, long reused, long featurized, long failed, long retired,
                                       double featurizeSeconds, int vcpus, CostModel cost, ExecutorCensus.Shape ran,
                                       StorageOptions storage) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("continuedFrom", run.continuedFrom());
        m.put("chain", run.chain());
        m.put("new", run.countNew());
        m.put("changed", run.countChanged());
        m.put("retried", run.countRetried());
        m.put("reused", reused);
        m.put("featurized", featurized);
        m.put("failed", failed);
        m.put("retired", retired);
        long computed = featurized + failed;
        double rate;
        String rateFrom;
        if (computed > 0 && featurizeSeconds > 0) {
            rate = featurizeSeconds * vcpus / computed;
            rateFrom = "this run";
        } else {
            Rate earlier = earlierRate(run.chain(), storage);
            rate = earlier.vcpuSecondsPerImage();
            rateFrom = earlier.from();
        }
        if (rate > 0) {
            double savedVcpuSeconds = rate * reused;
            m.put("vcpuSecondsPerImage", round(rate, 6));
            m.put("rateFrom", rateFrom);
            m.put("savedVcpuSeconds", round(savedVcpuSeconds, 2));
            // an instance's vCPUs: its executors x their cores (given by flags, else those that ran)
            int cores = cost.coresPerExecutor() != null ? cost.coresPerExecutor() : Math.max(1, ran.coresPerExecutor());
            double pricePerVcpuSecond = (cost.pricePerHour() + cost.emrFeePerHour())
                    / (cost.executorsPerInstance() * cores) / 3600;
            m.put("savedCost", round(savedVcpuSeconds * pricePerVcpuSecond, 4));
            m.put("currency", cost.currency());
            m.put("costNote", "reused images x the CNN stage's measured vCPU-seconds per image x "
                    + cost.instanceType() + " price per vCPU-second");
        }
        return m;
    }

    /** A measured CNN rate and where it was measured. */
    private record Rate(double vcpuSecondsPerImage, String from) {}

    /** The featurize rate of the newest earlier output whose report measured one. */
    private static Rate earlierRate(List<String> chain, StorageOptions storage) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            String root = chain.get(i);
            try {
                String uri = Storage.join(root, "report.json");
                JsonNode t = JSON.readTree(Storages.forUri(uri, storage).readAllBytes(uri)).path("throughput");
                double images = t.path("images").asDouble(0);
                double seconds = t.path("seconds").asDouble(0);
                double vcpus = t.path("vcpus").asDouble(0);
                if (images > 0 && seconds > 0 && vcpus > 0) {
                    return new Rate(seconds * vcpus / images, root);
                }
            } catch (Exception e) {
                // no report, or not one we can read: try an older output
            }
        }
        return new Rate(0, "none");
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
