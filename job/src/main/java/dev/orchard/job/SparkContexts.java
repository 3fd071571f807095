package dev.orchard.job;

import dev.orchard.Orchard;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Creates the Spark context a command runs in: embedded {@code local[*]} unless told otherwise. */
final class SparkContexts {

    private SparkContexts() {}

    /**
     * @param master {@code --master}, or null: then spark-submit's master if the jar runs under it,
     *               else an embedded {@code local[*]}
     */
    static JavaSparkContext create(String appName, String master, boolean verbose) {
        return create(appName, master, verbose, true);
    }

    /** @param eventLog write Spark's event log (see {@link EventLogs}) */
    static JavaSparkContext create(String appName, String master, boolean verbose, boolean eventLog) {
        SparkConf conf = new SparkConf().setAppName(appName);
        // Executors (and a YARN cluster-mode driver) load TensorFlow: oneDNN on, C++ INFO logs off.
        Orchard.configure(conf);
        // Event logs and the UI list system properties and environment: never let credentials through.
        conf.setIfMissing("spark.redaction.regex",
                "(?i)secret|password|token|access[._-]?key|credential|session|authorization");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        String m = conf.get("spark.master");
        if (m.startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (eventLog) {
            EventLogs.configure(conf);
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        if (!verbose) {
            sc.setLogLevel("WARN");
        }
        return sc;
    }
}
