package dev.orchard.job;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow's native library reads a few settings from the process environment, once, when it loads,
 * and Java cannot set environment variables of its own process. This class holds those settings and,
 * for {@code java -jar orchard.jar}, starts the same command again in a child JVM with them set.
 *
 * <ul>
 *   <li>{@code TF_ENABLE_ONEDNN_OPTS=1}: oneDNN kernels. Measured on this project's 2-core Zen 3 machine,
 *       folded MobileNetV2-224, batch 32, intra-op 2: 172 images/s (10.9 CPU-ms/image) with it, 64 images/s
 *       (28.7 CPU-ms/image) without — TF Java 1.1.0's native build leaves oneDNN off by default here.</li>
 *   <li>{@code TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1}: oneDNN may treat every float32 convolution and matrix
 *       product weight as constant, so it reorders each filter into its kernel's layout once and keeps it.
 *       Orchard's SavedModels (and Keras exports) hold weights as variables, which oneDNN otherwise
 *       re-lays out on every run and, at batch 1, runs through its slow im2col + GEMM convolution.
 *       Measured side by side (benchmarks/README.md, TF Java vs ONNX Runtime): MobileNetV2-224 batch 1
 *       44 to 14 CPU-ms/image, batch 32 10.4 to 9.9. True for Orchard: no weight changes after loading,
 *       and its other TensorFlow graphs (PCA's Gram products and eigendecomposition) are float64.</li>
 *   <li>{@code TF_OVERRIDE_GLOBAL_THREADPOOL=1}: each session gets its own intra-op pool of the size it
 *       asks for. Without it TensorFlow makes one process-wide pool, sized by the first session the JVM
 *       creates: measured here, a 1-thread session first (PCA's Gram kernel uses one) and the model then
 *       ran MobileNetV2-224 at 103 images/s instead of 174-186 on 2 cores.</li>
 *   <li>{@code TF_CPP_MIN_LOG_LEVEL=2}: no INFO/WARNING lines from TensorFlow's C++ code.</li>
 * </ul>
 *
 * Executors get them from {@code spark.executorEnv.*} ({@link SparkContexts}); tests from surefire. A YARN
 * cluster-mode driver runs in the ApplicationMaster, whose environment only spark-submit can set
 * ({@code spark.yarn.appMasterEnv.*}, {@link #submitConfs()}): the driver loads TensorFlow too (PCA, the
 * precision check). The lead moves this into core's {@code Orchard.configure(SparkConf)}.
 */
final class NativeEnvironment {

    /** Variables TensorFlow reads at load time, with Orchard's values. */
    static final Map<String, String> VARIABLES;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("TF_ENABLE_ONEDNN_OPTS", "1");
        m.put("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", "1");
        m.put("TF_OVERRIDE_GLOBAL_THREADPOOL", "1");
        m.put("TF_CPP_MIN_LOG_LEVEL", "2");
        VARIABLES = java.util.Collections.unmodifiableMap(m);
    }

    private static final String RELAUNCHED = "orchard.relaunched";
    /** Prefix of the YARN ApplicationMaster's (cluster mode: the driver's) environment settings. */
    static final String AM_ENV = "spark.yarn.appMasterEnv.";
    /** Prefix of the executors' environment settings. */
    static final String EXECUTOR_ENV = "spark.executorEnv.";

    /**
     * The {@code --conf} values a YARN cluster-mode {@code spark-submit} must pass so that the driver (in the
     * ApplicationMaster) and the executors load TensorFlow with {@link #VARIABLES}: {@code KEY=VALUE} strings,
     * ApplicationMaster first.
     */
    static List<String> submitConfs() {
        List<String> confs = new ArrayList<>();
        for (String prefix : List.of(AM_ENV, EXECUTOR_ENV)) {
            VARIABLES.forEach((k, v) -> confs.add(prefix + k + "=" + v));
        }
        return confs;
    }

    /**
     * In a YARN cluster-mode driver (the ApplicationMaster) whose environment lacks some of {@link #VARIABLES},
     * prints one line naming the {@code --conf} settings to add; it is too late to set them here.
     *
     * @return whether it warned
     */
    static boolean warnIfMissingInClusterDriver(org.apache.spark.SparkConf conf, Map<String, String> env,
                                                java.io.PrintStream err) {
        if (!"yarn".equals(conf.get("spark.master", "")) || !"cluster".equals(conf.get("spark.submit.deployMode", ""))) {
            return false;
        }
        List<String> missing = new ArrayList<>();
        VARIABLES.forEach((k, v) -> {
            if (!v.equals(env.get(k))) {
                missing.add("--conf " + AM_ENV + k + "=" + v);
            }
        });
        if (missing.isEmpty()) {
            return false;
        }
        err.println("orchard: warning: the driver's TensorFlow runs without Orchard's settings (slower PCA); "
                + "add to spark-submit: " + String.join(" ", missing));
        return true;
    }

    private NativeEnvironment() {}

    /**
     * The command to run this {@code java -jar} invocation again with the variables set, or null when no
     * relaunch is needed or possible: they are all set already, this is a relaunch, the JVM runs under
     * spark-submit (Spark sets its environment), or it was not started from a jar.
     */
    static List<String> relaunchCommand(String[] args) {
        boolean missing = VARIABLES.keySet().stream().anyMatch(k -> System.getenv(k) == null);
        if (!missing || System.getProperty(RELAUNCHED) != null || System.getProperty("spark.master") != null
                || "false".equalsIgnoreCase(System.getenv("ORCHARD_RELAUNCH"))) {
            return null;
        }
        String command = System.getProperty("sun.java.command", "");
        String jar = command.split(" ", 2)[0];
        if (!jar.endsWith(".jar") || !Files.isRegularFile(Path.of(jar))) {
            return null;
        }
        String java = ProcessHandle.current().info().command().orElse(null);
        if (java == null) {
            return null;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-D" + RELAUNCHED + "=true");
        cmd.add("-jar");
        cmd.add(jar);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code cmd} with the variables added to the environment; returns its exit code. */
    static int relaunch(List<String> cmd) throws java.io.IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        VARIABLES.forEach((k, v) -> pb.environment().putIfAbsent(k, v));
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }
}
