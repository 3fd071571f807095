package dev.orchard.job;

import dev.orchard.Orchard;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow's native library reads a few settings from the process environment, once, when it loads
 * ({@link Orchard#NATIVE_ENVIRONMENT}, with the measurements behind each), and Java cannot set environment
 * variables of its own process. For {@code java -jar orchard.jar} this class starts the same command again in a
 * child JVM with them set. Executors get them from {@code spark.executorEnv.*} ({@link Orchard#configure}, called
 * by {@link SparkContexts}); tests from surefire.
 */
final class NativeEnvironment {

    /** Variables TensorFlow reads at load time, with Orchard's values. */
    static final Map<String, String> VARIABLES = Orchard.NATIVE_ENVIRONMENT;

    private static final String RELAUNCHED = "orchard.relaunched";

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
