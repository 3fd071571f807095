package dev.orchard.job;

import dev.orchard.internal.probe.ProbeOptions;

/**
 * What a run reports beyond its counts: the cost model, the linear probe, the event log and the
 * end-of-run notification.
 *
 * @param cost          cluster and price the cost and scale section extrapolates to
 * @param probe         probe settings, or null to skip the probe
 * @param eventLog      copy Spark's event log into {@code <output>/spark-events/}
 * @param notifier      where to send the end-of-run summary
 */
record ReportOptions(CostModel cost, ProbeOptions probe, boolean eventLog, Notifier notifier) {

    /** Most examples the probe trains and scores on; larger runs are sampled down to this. */
    static final long PROBE_MAX_EXAMPLES = 200_000;
    /** Most points of the PC1 × PC2 scatter plot. */
    static final int SCATTER_MAX_POINTS = 3_000;
    /** Most components of the explained-variance curves. */
    static final int SPECTRUM_MAX_COMPONENTS = 100;

    /** Defaults: m5.xlarge on-demand cost model of the cluster that ran, probe on, event log on, no notification. */
    static ReportOptions defaults() {
        return new ReportOptions(CostModel.defaults(), ProbeOptions.defaults(), true, new Notifier(null, null, null, null, System.err));
    }
}
