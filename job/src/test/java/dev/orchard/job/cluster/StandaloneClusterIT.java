package dev.orchard.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code spark-submit} of {@code orchard-job.jar} to a real standalone cluster (a Master and 2
 * Workers of 2 cores, child JVMs on 127.0.0.1), in cluster and client mode, S3 in and out (S3Proxy),
 * with the commands of {@code docs/standalone-and-yarn.md}; and the loss of an executor JVM while
 * featurize runs. One cluster for the class, stopped in {@link #stop()} whatever happens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {

    static final String BUCKET = "orchard-it";
    static final int K = 8;
    static final Duration DRIVER_TIMEOUT = Duration.ofMinutes(10); // a shared, loaded build machine: runs took 5-19 min
    static final long SUBMIT_TIMEOUT_S = 300;
    private static final Pattern DRIVER_ID = Pattern.compile("(driver-\\d{14}-\\d{4})");

    S3ProxyServer s3;
    StandaloneCluster cluster;
    SparkHome spark;
    Path work;
    DocCommands doc;
    Set<String> images;
    String input;
    String model;

    @BeforeAll
    void start() {
        doc = DocCommands.page("standalone-and-yarn.md");
        spark = SparkHome.fromBuild();
        work = ItEnv.workDir("standalone");
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        images = ItData.uploadImages(s3, BUCKET, "in48", 4, 12);
        input = "s3://" + BUCKET + "/in48";
        model = ItData.uploadModel(s3, BUCKET, "models/sample-cnn");
        long t0 = System.nanoTime();
        cluster = StandaloneCluster.start(spark, work, 2, 2, "3g");
        System.out.printf("standalone cluster up in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, cluster);
    }

    @AfterAll
    void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    @Test
    @Order(0)
    void documentedJava17OptionsAreSparks() {
        assertEquals(JavaModuleOptions.defaultModuleOptions(), doc.exports("env").get("JAVA17_OPENS"),
                "docs/standalone-and-yarn.md: JAVA17_OPENS must be Spark 3.5's own list");
    }

    @Test
    @Order(1)
    void clusterModeRunsTheDocumentedCommand() throws IOException {
        String driver = submitCluster("cluster-run", input, "out/cluster", List.of("--instance-type", "c6i.large",
                "--market", "spot", "--instance-price", "0.04", "--emr-fee", "0.027", "--currency", "USD"));
        JsonNode done = cluster.awaitDriver(driver, DRIVER_TIMEOUT);
        assertEquals("FINISHED", done.path("state").asText(), done + "\n" + cluster.driverLog(driver));
        ItData.assertCompleteRun(s3, BUCKET, "out/cluster", images, K);

        // The documented command asks for --executor-cores 1 --total-executor-cores 2: 2 executors × 1 core
        // on Workers of 2 cores. The cost section reports what ran, priced with the flags given.
        JsonNode cost = ItEnv.JSON.readTree(s3.client()
                .getObjectAsBytes(b -> b.bucket(BUCKET).key("out/cluster/report.json")).asByteArray()).path("cost");
        assertEquals(2, cost.path("executors").asInt(), cost.toString());
        assertEquals(1, cost.path("coresPerExecutor").asInt(), cost.toString());
        assertEquals(2, cost.path("measuredVcpus").asInt(), cost.toString());
        assertTrue(cost.path("inputs").path("ran").asText().startsWith("2 executors × 1 cores (observed"),
                cost.toString());
        assertEquals(3, cost.path("instances").asInt(), "2 workers + 1 primary: " + cost);
        assertEquals("c6i.large", cost.path("instanceType").asText());
        assertEquals("spot", cost.path("market").asText());
        assertEquals(0.067, cost.path("billedPerInstanceHour").asDouble(), 1e-9);
        assertEquals("USD", cost.path("currency").asText());
    }

    @Test
    @Order(2)
    void clientModeRunsTheDocumentedCommand() throws IOException {
        Path log = work.resolve("client-run.log");
        int code = spark.submit(submitArgs("standalone-client", input, "out/client", List.of()), submitterEnv(),
                work, log, SUBMIT_TIMEOUT_S);
        assertEquals(0, code, ChildProcess.tail(log, 80));
        ItData.assertCompleteRun(s3, BUCKET, "out/client", images, K);
    }

    /** spark-submit exits 0 when a cluster-mode driver fails: only the Master knows. */
    @Test
    @Order(3)
    void aFailedDriverIsSeenInTheMastersCompletedDrivers() {
        String driver = submitCluster("cluster-fail", "s3://" + BUCKET + "/no-such-prefix", "out/fail", List.of());
        JsonNode done = cluster.awaitDriver(driver, DRIVER_TIMEOUT);
        assertEquals("FAILED", done.path("state").asText(), done.toString());
        String log = cluster.driverLog(driver);
        assertTrue(log.contains("orchard: ") && log.contains("--input"), log);
        assertFalse(ItData.keys(s3, BUCKET, "out/fail").contains("out/fail/_SUCCESS"));
    }

    /**
     * Kills one executor JVM (SIGKILL) while it runs a featurize task: Spark reruns the lost tasks on
     * the other executor (and a replacement), the commit keeps one copy of every part, and the output
     * holds each of the 96 images exactly once.
     */
    @Test
    @Order(4)
    void losingAnExecutorDuringFeaturizeLosesAndDuplicatesNothing() throws IOException {
        Set<String> images96 = ItData.uploadImages(s3, BUCKET, "in96", 8, 12);
        // Small partitions and batches: 16 featurize tasks, so the kill lands while the stage runs.
        String driver = submitCluster("cluster-fault", "s3://" + BUCKET + "/in96", "out/fault",
                List.of("--max-partition-size", "6", "--batch-size", "2"));

        Executor victim = ItEnv.await("an executor running its first featurize task", DRIVER_TIMEOUT,
                this::executorRunningATask, () -> cluster.diagnostics() + "\n" + cluster.driverLog(driver));
        String before = Files.readString(victim.stderr, StandardCharsets.UTF_8);
        victim.process.destroyForcibly();
        System.out.printf("killed executor %s of %s (pid %d) with %d task(s) started, %d finished%n", victim.id,
                victim.appId, victim.process.pid(), count(before, "Running task"), count(before, "Finished task"));
        assertTrue(count(before, "Running task") > count(before, "Finished task"), "killed while running a task");

        JsonNode done = cluster.awaitDriver(driver, DRIVER_TIMEOUT);
        String driverLog = cluster.driverLog(driver);
        assertEquals("FINISHED", done.path("state").asText(), done + "\n" + driverLog);
        assertTrue(driverLog.contains("Lost executor " + victim.id), "the driver saw the loss:\n" + driverLog);
        ItData.assertCompleteRun(s3, BUCKET, "out/fault", images96, K);
    }

    /**
     * The documented cluster-mode run (test 1) had executors of 1 core each (2 of them): each executor's TensorFlow
     * session (one: one core) ran with 1 intra-op thread, as every executor reported in report.json, with oneDNN on (from
     * Orchard.configure's executor environment); its features equal a local-mode run's on the same images.
     */
    @Test
    @Order(5)
    void executorsOfOneCoreRunOneIntraOpThreadEachAndGiveTheLocalFeatures() throws IOException {
        JsonNode report = ItEnv.JSON.readTree(s3.client()
                .getObjectAsBytes(b -> b.bucket(BUCKET).key("out/cluster/report.json")).asByteArray());
        JsonNode executors = report.path("executors");
        // 2 executors of 1 core; the tasks may all land on the first one to register
        assertTrue(executors.size() >= 1 && executors.size() <= 2, report.toString());
        for (JsonNode e : executors) {
            assertEquals(1, e.path("intraOpThreads").asInt(), executors.toString());
            assertEquals(1, e.path("inferenceStreams").asInt(), executors.toString());
            assertTrue(e.path("oneDnn").asBoolean(), executors.toString());
        }
        assertTrue(report.path("warnings").isMissingNode(), report.path("warnings").toString());

        try (S3ProxyServer.DefaultCredentials creds = s3.installDefaultCredentials()) {
            assertEquals(0, dev.orchard.job.Main.execute(new String[] {"featurize", "--input", input, "--model", model,
                    "--output", "s3://" + BUCKET + "/out/local", "--s3-endpoint", s3.endpoint(),
                    "--master", "local[2]"}));
            java.util.Map<String, float[]> local = ItData.features(s3, BUCKET, "out/local");
            java.util.Map<String, float[]> cluster1 = ItData.features(s3, BUCKET, "out/cluster");
            assertEquals(local.keySet(), cluster1.keySet());
            local.forEach((id, f) -> {
                float[] g = cluster1.get(id);
                double scale = 0;
                for (float v : f) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < f.length; i++) {
                    assertEquals(f[i], g[i], 1e-5 * scale, id + "[" + i + "]");
                }
            });
        }
    }

    // --- helpers

    /** Submits the documented cluster-mode command and returns the driver id that spark-submit printed. */
    private String submitCluster(String name, String in, String outPrefix, List<String> extra) {
        Path log = work.resolve(name + ".log");
        int code = spark.submit(submitArgs("standalone-cluster", in, outPrefix, extra), submitterEnv(), work, log,
                SUBMIT_TIMEOUT_S);
        String out = ChildProcess.tail(log, 200);
        assertEquals(0, code, out);
        Matcher m = DRIVER_ID.matcher(out);
        assertTrue(m.find(), "no driver id in spark-submit's output:\n" + out);
        return m.group(1);
    }

    /** The documented block's words after {@code spark-submit}, plus {@code --s3-endpoint} and {@code extra}. */
    private List<String> submitArgs(String block, String in, String outPrefix, List<String> extra) {
        Map<String, String> vars = new HashMap<>();
        vars.put("MASTER_URL", cluster.masterUrl());
        vars.put("ORCHARD_JAR", ItEnv.jobJar().toString());
        vars.put("INPUT", in);
        vars.put("OUTPUT", "s3://" + BUCKET + "/" + outPrefix);
        vars.put("MODEL", model);
        vars.put("JAVA17_OPENS", doc.exports("env").get("JAVA17_OPENS"));
        vars.put("AWS_ACCESS_KEY_ID", s3.identity());
        vars.put("AWS_SECRET_ACCESS_KEY", s3.secret());
        List<String> words = doc.command(block, vars);
        assertEquals("spark-submit", words.get(0), block);
        List<String> args = new ArrayList<>(words.subList(1, words.size()));
        args.add("--s3-endpoint");
        args.add(s3.endpoint());
        args.addAll(extra);
        return args;
    }

    /** The submitter's environment: Spark's, plus the AWS credentials a user would have exported. */
    private Map<String, String> submitterEnv() {
        Map<String, String> env = spark.env();
        env.put("AWS_ACCESS_KEY_ID", s3.identity());
        env.put("AWS_SECRET_ACCESS_KEY", s3.secret());
        env.put("TF_CPP_MIN_LOG_LEVEL", "2");
        return env;
    }

    record Executor(ProcessHandle process, String appId, String id, Path stderr) {}

    /** An executor JVM of a Worker whose log shows a task started and not finished, or null. */
    private Executor executorRunningATask() {
        for (int i = 0; i < cluster.workers().size(); i++) {
            for (ProcessHandle p : cluster.workers().get(i).handle().descendants().toList()) {
                List<String> args = List.of(p.info().arguments().orElse(new String[0]));
                if (!args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend")) {
                    continue;
                }
                Optional<String> app = after(args, "--app-id");
                Optional<String> id = after(args, "--executor-id");
                if (app.isEmpty() || id.isEmpty()) {
                    continue;
                }
                Path stderr = cluster.workerDir(i).resolve(app.get()).resolve(id.get()).resolve("stderr");
                try {
                    String log = Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
                    if (count(log, "Running task") > count(log, "Finished task")) {
                        return new Executor(p, app.get(), id.get(), stderr);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return null;
    }

    private static Optional<String> after(List<String> args, String flag) {
        int i = args.indexOf(flag);
        return i >= 0 && i + 1 < args.size() ? Optional.of(args.get(i + 1)) : Optional.empty();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
