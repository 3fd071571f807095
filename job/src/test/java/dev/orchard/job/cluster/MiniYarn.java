package dev.orchard.job.cluster;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A {@link MiniYarnMain} child JVM: a real YARN ResourceManager and NodeManager on 127.0.0.1. Its
 * containers (ApplicationMaster, executors) are descendants of that JVM, so {@link #close()} stops
 * them all by handle ({@link ChildProcess#close()}).
 */
final class MiniYarn implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final ChildProcess process;
    private final Path confDir;

    private MiniYarn(ChildProcess process, Path confDir) {
        this.process = process;
        this.confDir = confDir;
    }

    static MiniYarn start(SparkHome spark, Path dir) {
        Path confDir = dir.resolve("hadoop-conf");
        String testClasses;
        try {
            testClasses = Paths.get(MiniYarnMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> env = spark.env();
        List<String> cmd = new ArrayList<>(List.of(ItEnv.java(), "-Xmx768m"));
        // Hadoop 3.3's YARN daemons on Java 17 need Spark's --add-opens list too.
        cmd.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split(" ")));
        cmd.addAll(List.of("-cp", spark.path().resolve("jars") + "/*:" + testClasses, MiniYarnMain.class.getName(),
                confDir.toString()));
        ChildProcess p = ChildProcess.start("mini-yarn", cmd, env, dir, dir.resolve("mini-yarn.log"));
        MiniYarn yarn = new MiniYarn(p, confDir);
        try {
            ItEnv.await("the MiniYARNCluster", START_TIMEOUT, () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("MiniYARNCluster exited; its log:\n" + p.logTail(60));
                }
                return Files.exists(confDir.resolve("yarn-site.xml")) && p.logTail(400).contains(MiniYarnMain.READY)
                        ? Boolean.TRUE : null;
            }, () -> p.logTail(60));
            return yarn;
        } catch (RuntimeException | Error e) {
            yarn.close();
            throw e;
        }
    }

    /** The {@code HADOOP_CONF_DIR} of spark-submit: {@code yarn-site.xml} pointing at this cluster. */
    Path confDir() {
        return confDir;
    }

    String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        process.close();
    }
}
