package dev.orchard.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * Counts the executors that actually ran, for the cost estimate: the most executors registered with the
 * driver at one time, and their cores ({@code ExecutorInfo.totalCores}, which is {@code spark.executor.cores}
 * on YARN and what the Worker granted on a standalone cluster). With dynamic allocation the count rises and
 * falls during a run; the peak is what the cluster had to be sized for.
 *
 * <p>Registered through {@code spark.extraListeners} ({@link SparkContexts}), so that it is on the listener
 * bus before the first executor registers; {@link #of(SparkContext)} finds it by application id. Listener
 * callbacks come from Spark's single listener-bus thread; the getters may be called from any thread.
 */
public final class ExecutorCensus extends SparkListener {

    /** What ran: executors (at their peak) and cores of each, and how that was learned. */
    record Shape(int executors, int coresPerExecutor, String source) {}

    private static final Map<String, ExecutorCensus> BY_APP = new ConcurrentHashMap<>();
    /** Spark's id of the driver when it also runs tasks ({@code local[*]}). */
    private static final String DRIVER = "driver";

    private final Map<String, Integer> alive = new ConcurrentHashMap<>();
    private volatile int peak;
    private volatile int maxCores;
    private volatile int driverCores;

    /** Spark calls this constructor (a {@code spark.extraListeners} class needs a public one). */
    public ExecutorCensus(SparkConf conf) {
        // nothing to read: everything comes from the events
    }

    @Override
    public void onApplicationStart(SparkListenerApplicationStart start) {
        if (start.appId().isDefined()) {
            BY_APP.put(start.appId().get(), this);
        }
    }

    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd end) {
        BY_APP.values().remove(this);
    }

    @Override
    public synchronized void onExecutorAdded(SparkListenerExecutorAdded added) {
        int cores = added.executorInfo().totalCores();
        if (DRIVER.equals(added.executorId())) {
            driverCores = cores;
            return;
        }
        alive.put(added.executorId(), cores);
        peak = Math.max(peak, alive.size());
        maxCores = Math.max(maxCores, cores);
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        alive.remove(removed.executorId());
    }

    /** The executors seen so far; {@code local[N]}: one executor (the driver) of N cores. */
    Shape shape() {
        if (peak > 0) {
            return new Shape(peak, maxCores, "observed: most executors registered at one time, cores of each");
        }
        if (driverCores > 0) {
            return new Shape(1, driverCores, "observed: local mode, the driver runs the tasks");
        }
        return null;
    }

    /**
     * The executors of {@code sc}'s run: from its census when {@link SparkContexts} registered one, else a
     * snapshot of the executors registered now and {@code spark.executor.cores}.
     */
    static Shape of(SparkContext sc) {
        ExecutorCensus census = BY_APP.get(sc.applicationId());
        Shape seen = census == null ? null : census.shape();
        if (seen != null) {
            return seen;
        }
        if (sc.isLocal()) {
            return new Shape(1, sc.defaultParallelism(), "snapshot: local mode, the driver runs the tasks");
        }
        int executors = Math.max(1, sc.statusTracker().getExecutorInfos().length - 1); // less the driver
        int cores = sc.getConf().getInt("spark.executor.cores", Math.max(1, sc.defaultParallelism() / executors));
        return new Shape(executors, cores, "snapshot: executors registered at the end of the run");
    }
}
