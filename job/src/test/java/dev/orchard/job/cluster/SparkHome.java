package dev.orchard.job.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code SPARK_HOME} that holds only {@code jars/} (Spark 3.5.5 from Maven Central), used the way
 * {@code bin/spark-class} uses a distribution: {@code org.apache.spark.launcher.Main} builds the
 * real {@code java} command line of a Spark class (Master, Worker, SparkSubmit: memory, class path,
 * Spark's Java 17 {@code --add-opens} for the JVMs it starts itself), and this class starts it.
 */
final class SparkHome {

    static final String SPARK_SUBMIT = "org.apache.spark.deploy.SparkSubmit";

    private final Path home;

    SparkHome(Path home) {
        this.home = home;
    }

    static SparkHome fromBuild() {
        return new SparkHome(ItEnv.sparkHome());
    }

    Path path() {
        return home;
    }

    /**
     * The environment {@code spark-env.sh} would set for every Spark process here: loopback only.
     * {@code TF_CPP_MIN_LOG_LEVEL} and AWS credentials are removed (the test JVM has them): executors
     * get them from the application's {@code spark.executorEnv.*}, as on a real cluster.
     */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", ItEnv.javaHome());
        env.put("SPARK_CONF_DIR", home.resolve("conf").toString());
        env.put("TF_CPP_MIN_LOG_LEVEL", null);
        env.put("AWS_ACCESS_KEY_ID", null);
        env.put("AWS_SECRET_ACCESS_KEY", null);
        env.put("AWS_SESSION_TOKEN", null);
        env.put("HADOOP_CONF_DIR", null);
        env.put("YARN_CONF_DIR", null);
        return env;
    }

    /** What {@code bin/spark-class CLASS ARGS} would exec, built by Spark's launcher with {@code env}. */
    List<String> command(String mainClass, List<String> args, Map<String, String> env) {
        List<String> launcher = new ArrayList<>(List.of(ItEnv.java(), "-Xmx128m", "-cp", home.resolve("jars") + "/*",
                "org.apache.spark.launcher.Main", mainClass));
        launcher.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(launcher).redirectError(ProcessBuilder.Redirect.INHERIT);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        try {
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("Spark's launcher failed for " + mainClass + " " + args + ": "
                        + out.toString(StandardCharsets.UTF_8));
            }
            // As bin/spark-class reads it: message lines, then a "\0\n" line, then the command, NUL-separated.
            String text = out.toString(StandardCharsets.UTF_8);
            int start = text.indexOf("\0\n");
            if (start < 0) {
                throw new IllegalStateException("Unexpected output of Spark's launcher: " + text);
            }
            List<String> cmd = new ArrayList<>();
            for (String part : text.substring(start + 2).split("\0")) {
                if (!part.isEmpty()) {
                    cmd.add(part);
                }
            }
            return cmd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code bin/spark-class CLASS ARGS} as a child process. */
    ChildProcess start(String name, String mainClass, List<String> args, Map<String, String> env, Path dir) {
        return ChildProcess.start(name, command(mainClass, args, env), env, dir, dir.resolve(name + ".log"));
    }

    /** Runs {@code bin/spark-submit ARGS} to its end and returns its exit status; its output goes to {@code log}. */
    int submit(List<String> args, Map<String, String> env, Path dir, Path log, long timeoutSeconds) {
        return ChildProcess.run("spark-submit", command(SPARK_SUBMIT, args, env), env, dir, log, timeoutSeconds);
    }
}
