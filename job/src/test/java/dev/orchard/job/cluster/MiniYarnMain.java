package dev.orchard.job.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * {@code MiniYarnMain CONF_DIR}: a {@link MiniYARNCluster} (one ResourceManager, one NodeManager) in
 * its own JVM, on the class path of {@code SPARK_HOME/jars} (which holds {@code hadoop-client-minicluster}).
 * Once it runs it writes its whole configuration to {@code CONF_DIR/yarn-site.xml} (the
 * {@code HADOOP_CONF_DIR} of spark-submit) and prints {@value #READY}. It stops the cluster and exits
 * on end of standard input (the test JVM closed it, or died) and on SIGTERM.
 */
public final class MiniYarnMain {

    static final String READY = "MINI-YARN-READY";

    private MiniYarnMain() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // The cluster's own threads would keep this JVM alive: end it (the hook stops the cluster).
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path confDir = Files.createDirectories(Paths.get(args[0]));
        YarnConfiguration conf = new YarnConfiguration();
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        // Room for docs/emr.md's step as written (2 executors of 6g + 3g overhead and 4 cores, a 4g driver):
        // YARN only books memory here (no pmem/vmem check), the JVMs touch what they use.
        conf.setInt("yarn.scheduler.maximum-allocation-mb", 16384);
        conf.setInt("yarn.nodemanager.resource.memory-mb", 32768);
        conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 32768); // MiniYARNCluster's own key
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 16);
        conf.setInt("yarn.scheduler.maximum-allocation-vcores", 16);
        conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 100.0f);
        // No capacity-scheduler.xml on this class path: one queue with everything.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
        conf.set("yarn.resourcemanager.hostname", "127.0.0.1");
        conf.set("yarn.nodemanager.hostname", "127.0.0.1");

        MiniYARNCluster cluster = new MiniYARNCluster("orchard-it", 1, 1, 1);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "mini-yarn-stop"));
        cluster.init(conf);
        cluster.start();
        // start() can return before the ResourceManager has put its real port in the configuration.
        long deadline = System.currentTimeMillis() + 60_000;
        while (cluster.getConfig().get(YarnConfiguration.RM_ADDRESS, ":0").endsWith(":0")) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("The ResourceManager did not get a port");
            }
            Thread.sleep(100);
        }
        Path tmp = confDir.resolve("yarn-site.xml.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            cluster.getConfig().writeXml(out);
        }
        Files.move(tmp, confDir.resolve("yarn-site.xml"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println(READY + " " + cluster.getConfig().get(YarnConfiguration.RM_ADDRESS));
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // wait for end of input
            }
        } catch (IOException ignored) {
            // the parent is gone
        }
        System.exit(0);
    }
}
