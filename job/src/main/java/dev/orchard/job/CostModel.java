package dev.orchard.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Extrapolates a run's measured throughput to a cluster and to larger image sets, and prices it.
 *
 * <p>Model: listing runs on the driver, one object at a time, so it scales with images but not with
 * the cluster; every other measured stage (featurize, errors, PCA fit and projection) is spread over
 * all executor cores, so its time is {@code images × vCPU-seconds per image / (executors × cores)};
 * loading the model is a fixed cost. The cluster is, unless {@code --executors} / {@code --cores-per-executor}
 * say otherwise, the one that ran ({@link ExecutorCensus}). It is billed for
 * {@code ceil(executors / executorsPerInstance) + 1} instances (the workers, plus one primary node that
 * holds no executor) at {@code pricePerHour + emrFeePerHour} each. This assumes an executor core does
 * the work of one core of the machine that measured it, linear scaling, and a primary node of the same
 * type — a first estimate, to be checked by a larger run. Every input is written into the report with
 * where it came from.
 *
 * @param instanceType          instance type name (for the report only)
 * @param pricePerHour          EC2 price of one instance-hour in {@code currency} (on-demand or spot)
 * @param market                {@value #ON_DEMAND} or {@value #SPOT}: what {@code pricePerHour} is
 * @param emrFeePerHour         the Amazon EMR fee per instance-hour, 0 outside EMR
 * @param currency              currency of the prices
 * @param executors             executors to extrapolate to, or null: the executors that ran
 * @param coresPerExecutor      cores of each, or null: the cores that ran
 * @param executorsPerInstance  executors that fit on one instance
 * @param priceNote             where the price comes from and its date
 */
record CostModel(String instanceType, double pricePerHour, String market, double emrFeePerHour, String currency,
                 Integer executors, Integer coresPerExecutor, int executorsPerInstance, String priceNote) {

    static final String ON_DEMAND = "on-demand";
    static final String SPOT = "spot";
    /** Default instance: general-purpose, 4 vCPU, 16 GiB. */
    static final String DEFAULT_INSTANCE = "m5.xlarge";
    /**
     * Default price, €/hour: AWS lists m5.xlarge On-Demand Linux in eu-west-3 (Paris) at US$0.224/hour
     * (price list of 2024); converted at 0.93 €/US$ ≈ 0.21 €. An assumption: pass {@code --instance-price}.
     */
    static final double DEFAULT_PRICE = 0.21;
    static final String DEFAULT_CURRENCY = "EUR";
    static final String DEFAULT_PRICE_NOTE = "m5.xlarge On-Demand Linux, eu-west-3 (Paris): US$0.224/h on the AWS "
            + "price list of 2024, ≈ 0.21 €/h at 0.93 €/US$ — an assumption, not a quote; set --instance-price";
    /** Image-set sizes the report extrapolates to. */
    static final long[] SCALES = {1_000_000L, 10_000_000L, 100_000_000L};

    CostModel {
        if (!(pricePerHour >= 0) || Double.isInfinite(pricePerHour)) {
            throw new UsageException("--instance-price must be >= 0 but was " + pricePerHour);
        }
        if (!(emrFeePerHour >= 0) || Double.isInfinite(emrFeePerHour)) {
            throw new UsageException("--emr-fee must be >= 0 but was " + emrFeePerHour);
        }
        if (!ON_DEMAND.equals(market) && !SPOT.equals(market)) {
            throw new UsageException("--market must be " + ON_DEMAND + " or " + SPOT + " but was '" + market + "'");
        }
        if (executors != null && executors < 1) {
            throw new UsageException("--executors must be >= 1 but was " + executors);
        }
        if (coresPerExecutor != null && coresPerExecutor < 1) {
            throw new UsageException("--cores-per-executor must be >= 1 but was " + coresPerExecutor);
        }
        if (executorsPerInstance < 1) {
            throw new UsageException("--executors-per-instance must be >= 1 but was " + executorsPerInstance);
        }
    }

    /** The default: m5.xlarge on-demand at the 2024 list price, no EMR fee, the cluster that ran. */
    static CostModel defaults() {
        return new CostModel(DEFAULT_INSTANCE, DEFAULT_PRICE, ON_DEMAND, 0, DEFAULT_CURRENCY, null, null, 1,
                DEFAULT_PRICE_NOTE);
    }

    /**
     * The estimate for the report.
     *
     * @param ran                the executors that ran the measured stages (and measured the throughput)
     * @param images             images the run listed
     * @param listSeconds        wall time of listing
     * @param fixedSeconds       wall time that does not grow with images (loading the model)
     * @param parallelSeconds    wall time of the stages spread over the cores
     */
    Map<String, Object> estimate(ExecutorCensus.Shape ran, long images, double listSeconds, double fixedSeconds,
                                 double parallelSeconds) {
        int execs = executors != null ? executors : ran.executors();
        int cores = coresPerExecutor != null ? coresPerExecutor : ran.coresPerExecutor();
        int instances = (execs + executorsPerInstance - 1) / executorsPerInstance + 1;
        double billedPerHour = pricePerHour + emrFeePerHour;
        int measuredVcpus = ran.executors() * ran.coresPerExecutor();

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instanceType", instanceType);
        m.put("market", market);
        m.put("pricePerInstanceHour", pricePerHour);
        m.put("emrFeePerInstanceHour", emrFeePerHour);
        m.put("billedPerInstanceHour", billedPerHour);
        m.put("currency", currency);
        m.put("priceNote", priceNote);
        m.put("executors", execs);
        m.put("coresPerExecutor", cores);
        m.put("executorsPerInstance", executorsPerInstance);
        m.put("instances", instances);
        m.put("clusterVcpus", execs * cores);
        m.put("inputs", inputs(ran));
        if (images <= 0) {
            return m;
        }
        int vcpus = execs * cores;
        double listPerImage = listSeconds / images;
        double vcpuSecondsPerImage = parallelSeconds * measuredVcpus / images;
        m.put("measuredImages", images);
        m.put("measuredVcpus", measuredVcpus);
        m.put("listingSecondsPerImage", listPerImage);
        m.put("vcpuSecondsPerImage", vcpuSecondsPerImage);
        double marginalHoursPerMillion = 1e6 * (listPerImage + vcpuSecondsPerImage / vcpus) / 3600;
        m.put("costPerMillionImages", round2(marginalHoursPerMillion * instances * billedPerHour));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long n : SCALES) {
            double listing = n * listPerImage;
            double work = n * vcpuSecondsPerImage / vcpus;
            double hours = (fixedSeconds + listing + work) / 3600;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("images", n);
            r.put("listingHours", round2(listing / 3600));
            r.put("hours", round2(hours));
            r.put("cost", round2(hours * instances * billedPerHour));
            rows.add(r);
        }
        m.put("scales", rows);
        return m;
    }

    /** Each input of the estimate, with where its value came from. */
    private Map<String, String> inputs(ExecutorCensus.Shape ran) {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("ran", ran.executors() + " executors × " + ran.coresPerExecutor() + " cores (" + ran.source() + ")");
        in.put("executors", executors != null ? executors + " (--executors)" : ran.executors() + " (as ran)");
        in.put("coresPerExecutor", coresPerExecutor != null ? coresPerExecutor + " (--cores-per-executor)"
                : ran.coresPerExecutor() + " (as ran)");
        in.put("instances", "ceil(executors / " + executorsPerInstance + " executors per instance) + 1 primary node"
                + " of the same type");
        in.put("price", String.format(Locale.ROOT, "%s %s/h %s %s (%s)", fmt(pricePerHour), currency, market,
                instanceType, priceNote));
        in.put("emrFee", emrFeePerHour > 0 ? fmt(emrFeePerHour) + " " + currency + "/h per instance (--emr-fee)"
                : "0 (no --emr-fee: not on EMR, or not given)");
        return in;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static double round2(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
