package dev.orchard.internal.featurize;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The cores of the executor this JVM is, which size its TensorFlow sessions ({@link InferenceLayout}: by default one
 * single-threaded session per core, shared by all the executor's task slots).
 *
 * <p>Not {@code Runtime.availableProcessors()}: YARN packs several executors on a node without pinning CPUs
 * by default, so each would ask for every core of the node (4 executors × 16 threads on 16 vCPUs).
 */
public final class ExecutorCores {

    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]");

    private ExecutorCores() {}

    /** This JVM's executor cores, from the running Spark environment; every processor when there is none. */
    public static int current() {
        SparkEnv env = SparkEnv.get();
        return env == null ? Runtime.getRuntime().availableProcessors()
                : of(env.conf(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * The executor cores a configuration gives: {@code spark.executor.cores} when set; otherwise the thread
     * count of a {@code local[N]} master ({@code local[*]}: {@code processors}), the per-worker cores of
     * {@code local-cluster[n, c, m]}, 1 on YARN (its default), and {@code processors} elsewhere (a standalone
     * executor without {@code spark.executor.cores} takes all of its worker's cores).
     */
    public static int of(SparkConf conf, int processors) {
        if (conf.contains("spark.executor.cores")) {
            return Math.max(1, conf.getInt("spark.executor.cores", 1));
        }
        String master = conf.get("spark.master", "");
        Matcher local = LOCAL.matcher(master);
        if (local.matches()) {
            String n = local.group(1);
            return n == null ? 1 : n.equals("*") ? processors : Math.max(1, Integer.parseInt(n));
        }
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        if (cluster.matches()) {
            return Math.max(1, Integer.parseInt(cluster.group(1)));
        }
        return master.startsWith("yarn") ? 1 : processors;
    }
}
