package dev.orchard.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extrapolates a run's measured throughput to a cluster and to larger image sets.
 *
 * <p>Model: listing runs on the driver, one object at a time, so it scales with images but not with
 * the cluster; every other measured stage (featurize, errors, PCA fit and projection) is spread over
 * all executor cores, so its time is {@code images × vCPU-seconds per image / (executors × cores)};
 * loading the model is a fixed cost. The cluster is billed for {@code executors + 1} instances (one
 * per executor plus the driver). This assumes an executor core does the work of one core of the
 * machine that measured it, and linear scaling — a first estimate, to be checked by a larger run.
 *
 * @param instanceType      instance type name (for the report only)
 * @param pricePerHour      price of one instance-hour in {@code currency}
 * @param currency          currency of the price
 * @param executors         executor instances (each one instance)
 * @param coresPerExecutor  cores of each executor
 * @param priceNote         where the price comes from and its date
 */
record CostModel(String instanceType, double pricePerHour, String currency, int executors, int coresPerExecutor,
                 String priceNote) {

    /** Default instance: general-purpose, 4 vCPU, 16 GiB. */
    static final String DEFAULT_INSTANCE = "m5.xlarge";
    /**
     * Default price, €/hour: AWS lists m5.xlarge On-Demand Linux in eu-west-3 (Paris) at US$0.224/hour
     * (price list of 2024); converted at 0.93 €/US$ ≈ 0.21 €. An assumption: pass {@code --instance-price}.
     */
    static final double DEFAULT_PRICE = 0.21;
    static final String DEFAULT_PRICE_NOTE = "m5.xlarge On-Demand Linux, eu-west-3 (Paris): US$0.224/h on the AWS "
            + "price list of 2024, ≈ 0.21 €/h at 0.93 €/US$ — an assumption, not a quote; set --instance-price";
    static final int DEFAULT_EXECUTORS = 2;
    static final int DEFAULT_CORES = 4;
    /** Image-set sizes the report extrapolates to. */
    static final long[] SCALES = {1_000_000L, 10_000_000L, 100_000_000L};

    CostModel {
        if (!(pricePerHour >= 0) || Double.isInfinite(pricePerHour)) {
            throw new UsageException("--instance-price must be >= 0 but was " + pricePerHour);
        }
        if (executors < 1) {
            throw new UsageException("--executors must be >= 1 but was " + executors);
        }
        if (coresPerExecutor < 1) {
            throw new UsageException("--cores-per-executor must be >= 1 but was " + coresPerExecutor);
        }
    }

    /**
     * The estimate for the report.
     *
     * @param images             images the run listed
     * @param listSeconds        wall time of listing
     * @param fixedSeconds       wall time that does not grow with images (loading the model)
     * @param parallelSeconds    wall time of the stages spread over the cores
     * @param measuredVcpus      cores that ran those stages
     */
    Map<String, Object> estimate(long images, double listSeconds, double fixedSeconds, double parallelSeconds,
                                 int measuredVcpus) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instanceType", instanceType);
        m.put("pricePerInstanceHour", pricePerHour);
        m.put("currency", currency);
        m.put("priceNote", priceNote);
        m.put("executors", executors);
        m.put("coresPerExecutor", coresPerExecutor);
        m.put("instances", executors + 1);
        int vcpus = executors * coresPerExecutor;
        m.put("clusterVcpus", vcpus);
        if (images <= 0) {
            return m;
        }
        double listPerImage = listSeconds / images;
        double vcpuSecondsPerImage = parallelSeconds * measuredVcpus / images;
        m.put("measuredImages", images);
        m.put("measuredVcpus", measuredVcpus);
        m.put("listingSecondsPerImage", listPerImage);
        m.put("vcpuSecondsPerImage", vcpuSecondsPerImage);
        double marginalHoursPerMillion = 1e6 * (listPerImage + vcpuSecondsPerImage / vcpus) / 3600;
        m.put("costPerMillionImages", round2(marginalHoursPerMillion * (executors + 1) * pricePerHour));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long n : SCALES) {
            double listing = n * listPerImage;
            double work = n * vcpuSecondsPerImage / vcpus;
            double hours = (fixedSeconds + listing + work) / 3600;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("images", n);
            r.put("listingHours", round2(listing / 3600));
            r.put("hours", round2(hours));
            r.put("cost", round2(hours * (executors + 1) * pricePerHour));
            rows.add(r);
        }
        m.put("scales", rows);
        return m;
    }

    private static double round2(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
