package dev.orchard.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code spark-submit --master yarn --deploy-mode cluster} of {@code orchard-job.jar} on a real
 * MiniYARNCluster (child JVM), S3 in and out on S3Proxy: the command of {@code docs/standalone-and-yarn.md},
 * and the EMR step of {@code docs/emr.md} with its own settings (no {@code maxAppAttempts} from the cluster's
 * defaults), once succeeding and once failing after the preflight. What is specific to this cluster (where
 * the Spark jars are, the staging directory) is in its {@code spark-defaults.conf}, as on any YARN cluster.
 * One MiniYARNCluster for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {

    static final String BUCKET = "orchard-yarn";
    static final int K = 8;
    static final long SUBMIT_TIMEOUT_S = 480;
    private static final Pattern APP_ID = Pattern.compile("(application_\\d+_\\d+)");
    /** Packages a cluster also ships, which the application jar must carry relocated only. */
    private static final List<String> RELOCATED = List.of("software/amazon/awssdk/", "software/amazon/eventstream/",
            "com/fasterxml/jackson/", "org/apache/parquet/", "shaded/parquet/", "com/google/protobuf/",
            "org/apache/http/", "org/apache/commons/", "io/airlift/compress/");

    SparkHome spark;
    Path work;
    S3ProxyServer s3;
    MiniYarn yarn;
    Set<String> images;
    String model;

    @BeforeAll
    void start() {
        spark = SparkHome.fromBuild();
        work = ItEnv.workDir("yarn");
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        images = ItData.uploadImages(s3, BUCKET, "in", 4, 12);
        model = ItData.uploadModel(s3, BUCKET, "models/sample-cnn");
        long t0 = System.nanoTime();
        yarn = MiniYarn.start(spark, work);
        System.out.printf("MiniYARNCluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    void stop() {
        try {
            if (yarn != null) {
                yarn.close();
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    /** docs/emr.md relies on it: no class of the AWS SDK, Jackson, Parquet, ... under its own name. */
    @Test
    @Order(0)
    void applicationJarRelocatesWhatClustersAlsoShip() throws IOException {
        List<String> unrelocated = new ArrayList<>();
        int relocatedSdk = 0;
        try (ZipFile jar = new ZipFile(ItEnv.jobJar().toFile())) {
            for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                // The AWS CRT's classes keep their names (its JNI library names them); Orchard loads them only when
                // asked (-Dorchard.s3.http-client=crt|auto), so a cluster's own aws-crt never meets them otherwise.
                if (name.endsWith(".class") && RELOCATED.stream().anyMatch(name::startsWith)
                        && !name.startsWith("software/amazon/awssdk/crt/")) {
                    unrelocated.add(name);
                }
                if (name.startsWith("dev/orchard/shaded/software/amazon/awssdk/services/s3/")) {
                    relocatedSdk++;
                }
                if (name.startsWith("META-INF/services/")) {
                    String services = new String(jar.getInputStream(jar.getEntry(name)).readAllBytes(),
                            StandardCharsets.UTF_8);
                    for (String prefix : RELOCATED) {
                        String dotted = prefix.replace('/', '.');
                        if (name.substring("META-INF/services/".length()).startsWith(dotted)
                                || services.lines().anyMatch(l -> l.strip().startsWith(dotted))) {
                            unrelocated.add(name);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), unrelocated.stream().limit(20).toList(), unrelocated.size() + " unrelocated entries");
        assertTrue(relocatedSdk > 100, "the S3 client is in the jar, relocated: " + relocatedSdk);
    }

    @Test
    @Order(1)
    void yarnClusterModeRunsTheDocumentedCommand() throws IOException {
        DocCommands doc = DocCommands.page("standalone-and-yarn.md");
        Map<String, String> vars = new HashMap<>();
        vars.put("ORCHARD_JAR", ItEnv.jobJar().toString());
        vars.put("INPUT", "s3://" + BUCKET + "/in");
        vars.put("OUTPUT", "s3://" + BUCKET + "/out/yarn");
        vars.put("MODEL", model);
        vars.put("AWS_ACCESS_KEY_ID", s3.identity());
        vars.put("AWS_SECRET_ACCESS_KEY", s3.secret());
        List<String> words = doc.command("yarn-cluster", vars);
        assertEquals("spark-submit", words.get(0));
        List<String> args = new ArrayList<>(words.subList(1, words.size()));
        args.add("--s3-endpoint");
        args.add(s3.endpoint());

        Path log = work.resolve("yarn-run.log");
        long t1 = System.nanoTime();
        int code = spark.submit(args, env(sparkConf("spark-conf", true), List.of()), work, log, SUBMIT_TIMEOUT_S);
        System.out.printf("YARN cluster-mode run: %.1f s%n", (System.nanoTime() - t1) / 1e9);
        String out = ChildProcess.tail(log, 120);
        assertEquals(0, code, out + "\n--- MiniYARNCluster:\n" + yarn.logTail(60));
        assertTrue(out.contains("final status: SUCCEEDED"), out);
        ItData.assertCompleteRun(s3, BUCKET, "out/yarn", images, K);
    }

    /**
     * docs/emr.md's step, every Spark setting as written (executor cores and memory, memoryOverhead,
     * maxAppAttempts, the TensorFlow environment of the ApplicationMaster and the executors) and every
     * Orchard flag (the cost flags included); only the bucket URIs differ, and S3Proxy's endpoint and keys
     * are added. The report's cost section shows the executors that ran and the step's price flags.
     */
    @Test
    @Order(2)
    void theEmrStepRunsAsWritten() throws IOException {
        String out = "out/emr-step";
        Path log = work.resolve("emr-step.log");
        Run run = submitStep(model, out, log);
        assertEquals(0, run.code, run.output + "\n--- MiniYARNCluster:\n" + yarn.logTail(60));
        assertTrue(run.output.contains("final status: SUCCEEDED"), run.output);
        ItData.assertCompleteRun(s3, BUCKET, out, images, K);

        Map<Integer, Path> attempts = amContainers(run.appId);
        assertEquals(Set.of(1), attempts.keySet(), "one ApplicationMaster attempt");
        String driver = Files.readString(attempts.get(1).resolve("stderr"), StandardCharsets.UTF_8);
        assertTrue(driver.contains("run: listed " + images.size()) || Files.readString(
                attempts.get(1).resolve("stdout"), StandardCharsets.UTF_8).contains("run: listed " + images.size()),
                "the driver ran in this container:\n" + driver);
        assertFalse(driver.contains("the driver's TensorFlow runs without Orchard's settings"),
                "the step gives the ApplicationMaster TensorFlow's environment:\n" + driver);

        JsonNode cost = ItEnv.JSON.readTree(s3.client()
                .getObjectAsBytes(b -> b.bucket(BUCKET).key(out + "/report.json")).asByteArray()).path("cost");
        List<String> step = stepArgs();
        // No dynamic allocation on this cluster: spark.executor.instances' YARN default, 2, of --executor-cores.
        assertEquals(2, cost.path("executors").asInt(), cost.toString());
        assertEquals(Integer.parseInt(flag(step, "--executor-cores")), cost.path("coresPerExecutor").asInt(),
                cost.toString());
        assertEquals("2 (as ran)", cost.path("inputs").path("executors").asText(), cost.toString());
        assertEquals(flag(step, "--instance-type"), cost.path("instanceType").asText());
        assertEquals(flag(step, "--market"), cost.path("market").asText());
        assertEquals(Double.parseDouble(flag(step, "--instance-price")), cost.path("pricePerInstanceHour").asDouble());
        assertEquals(Double.parseDouble(flag(step, "--emr-fee")), cost.path("emrFeePerInstanceHour").asDouble());
        assertEquals(flag(step, "--currency"), cost.path("currency").asText());
        assertEquals(2, cost.path("instances").asInt(), "2 executors, 2 per instance: 1 worker + 1 primary");
        assertTrue(cost.path("costPerMillionImages").asDouble() > 0, cost.toString());
    }

    /**
     * The step on a model that passes the preflight (its saved_model.pb exists) but cannot be read: the
     * application fails, is attempted exactly as often as the step says (once), and leaves no _SUCCESS.
     */
    @Test
    @Order(3)
    void aFailingStepIsAttemptedOnceAndLeavesNoSuccess() throws IOException {
        String broken = "models/broken";
        s3.client().putObject(b -> b.bucket(BUCKET).key(broken + "/saved_model.pb"),
                software.amazon.awssdk.core.sync.RequestBody.fromString("not a SavedModel"));
        String out = "out/emr-step-fail";
        Run run = submitStep("s3://" + BUCKET + "/" + broken, out, work.resolve("emr-step-fail.log"));
        assertNotEquals(0, run.code, run.output);
        assertTrue(run.output.contains("final status: FAILED"), run.output);
        Map<Integer, Path> attempts = amContainers(run.appId);
        assertEquals(Set.of(1), attempts.keySet(), "spark.yarn.maxAppAttempts=1 of the step: YARN's default "
                + "would attempt twice");
        String driver = Files.readString(attempts.get(1).resolve("stderr"), StandardCharsets.UTF_8);
        assertTrue(driver.contains("orchard: ") && driver.contains(broken), "the driver's one-line error:\n" + driver);
        assertFalse(ItData.keys(s3, BUCKET, out).contains(out + "/_SUCCESS"), ItData.keys(s3, BUCKET, out).toString());
    }

    private record Run(int code, String output, String appId) {}

    private Run submitStep(String modelUri, String outPrefix, Path log) {
        List<String> step = stepArgs();
        List<String> args = new ArrayList<>(List.of("--master", "yarn"));
        List<String> envVars = new ArrayList<>();
        for (int i = 0; i < step.size(); i++) {
            String a = step.get(i);
            String prev = i > 0 ? step.get(i - 1) : "";
            if (a.endsWith("orchard-job.jar")) {
                // S3Proxy has no instance profile: its keys, for the driver and the executors.
                for (String prefix : List.of("spark.yarn.appMasterEnv.", "spark.executorEnv.")) {
                    args.addAll(List.of("--conf", prefix + "AWS_ACCESS_KEY_ID=" + s3.identity(),
                            "--conf", prefix + "AWS_SECRET_ACCESS_KEY=" + s3.secret()));
                }
                args.add(ItEnv.jobJar().toString());
            } else if (prev.equals("--input")) {
                args.add("s3://" + BUCKET + "/in");
            } else if (prev.equals("--output")) {
                args.add("s3://" + BUCKET + "/" + outPrefix);
            } else if (prev.equals("--model")) {
                args.add(modelUri);
            } else {
                args.add(a);
            }
            if (prev.equals("--conf") && a.startsWith("spark.yarn.appMasterEnv.")) {
                envVars.add(a.substring("spark.yarn.appMasterEnv.".length(), a.indexOf('=')));
            }
        }
        args.add("--s3-endpoint");
        args.add(s3.endpoint());
        long t = System.nanoTime();
        int code = spark.submit(args, env(sparkConf("spark-conf-emr", false), envVars), work, log, SUBMIT_TIMEOUT_S);
        System.out.printf("EMR step on YARN (%s): %.1f s, exit %d%n", outPrefix, (System.nanoTime() - t) / 1e9, code);
        String output;
        try {
            output = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher m = APP_ID.matcher(output);
        assertTrue(m.find(), "no application id in spark-submit's output:\n" + ChildProcess.tail(log, 80));
        return new Run(code, ChildProcess.tail(log, 120), m.group(1));
    }

    /**
     * The ApplicationMaster containers of an application, by attempt ({@code container_…_<attempt>_000001}),
     * from the NodeManager's log directories (kept: no log aggregation here).
     */
    private Map<Integer, Path> amContainers(String appId) throws IOException {
        Pattern am = Pattern.compile("container_(?:e\\d+_)?" + appId.substring("application_".length())
                + "_(\\d+)_000001");
        Map<Integer, Path> found = new HashMap<>();
        try (Stream<Path> walk = Files.walk(work)) {
            walk.filter(Files::isDirectory).forEach(d -> {
                Matcher m = am.matcher(d.getFileName().toString());
                if (m.matches() && d.getParent().getFileName().toString().equals(appId)
                        && Files.isRegularFile(d.resolve("stderr"))) {
                    found.put(Integer.parseInt(m.group(1)), d);
                }
            });
        }
        assertFalse(found.isEmpty(), "no ApplicationMaster log of " + appId + " under " + work + ": "
                + new TreeSet<>(found.keySet()));
        return found;
    }

    /** The cluster's own settings, as on any YARN cluster; {@code maxAppAttempts 1} only for the doc command. */
    private Path sparkConf(String name, boolean oneAttempt) {
        try {
            Path conf = Files.createDirectories(work.resolve(name));
            List<String> lines = new ArrayList<>(List.of(
                    "spark.yarn.jars local:" + spark.path().resolve("jars") + "/*",
                    "spark.yarn.stagingDir " + work.resolve("staging").toUri(),
                    "spark.ui.enabled false",
                    "spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1",
                    "spark.executorEnv.SPARK_LOCAL_IP 127.0.0.1"));
            if (oneAttempt) {
                lines.add("spark.yarn.maxAppAttempts 1");
            }
            Files.writeString(conf.resolve("spark-defaults.conf"), String.join("\n", lines) + "\n",
                    StandardCharsets.UTF_8);
            return conf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** spark-submit's environment; {@code unset}: variables the test must not pass on by inheritance. */
    private Map<String, String> env(Path sparkConf, List<String> unset) {
        Map<String, String> env = spark.env();
        env.put("HADOOP_CONF_DIR", yarn.confDir().toString());
        env.put("SPARK_CONF_DIR", sparkConf.toString());
        unset.forEach(v -> env.put(v, null));
        return env;
    }

    private static List<String> stepArgs() {
        try {
            JsonNode steps = ItEnv.JSON.readTree(DocCommands.page("emr.md").block("emr-step"));
            assertEquals("Spark", steps.get(0).get("Type").asText());
            List<String> args = new ArrayList<>();
            steps.get(0).get("Args").forEach(a -> args.add(a.asText()));
            return args;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String flag(List<String> args, String name) {
        int i = args.indexOf(name);
        assertTrue(i >= 0 && i + 1 < args.size(), name + " in " + args);
        return args.get(i + 1);
    }
}
