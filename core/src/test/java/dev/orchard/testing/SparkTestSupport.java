package dev.orchard.testing;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One embedded Spark per test JVM: {@code local[2]} (so every distributed test sees at least two
 * partitions and two task threads), no UI, loopback only, quiet. Starting Spark costs seconds, so
 * test classes share it; it stops when the JVM exits.
 */
public final class SparkTestSupport {

    private static JavaSparkContext sc;

    private SparkTestSupport() {}

    /** The shared context; created on first use. */
    public static synchronized JavaSparkContext sc() {
        if (sc == null) {
            SparkConf conf = new SparkConf()
                    .setMaster("local[2]")
                    .setAppName("orchard-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.sql.shuffle.partitions", "2")
                    .set("spark.default.parallelism", "2");
            sc = new JavaSparkContext(conf);
            sc.setLogLevel("WARN");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                synchronized (SparkTestSupport.class) {
                    if (sc != null) {
                        sc.stop();
                    }
                }
            }));
        }
        return sc;
    }
}
