package dev.orchard.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code spark-submit --master yarn --deploy-mode cluster} of {@code orchard-job.jar} on a real
 * MiniYARNCluster (child JVM), S3 in and out on S3Proxy, with the command of
 * {@code docs/standalone-and-yarn.md}. What is specific to this cluster (where the Spark jars are,
 * the staging directory) is in its {@code spark-defaults.conf}, as on any YARN cluster.
 */
class YarnClusterIT {

    static final String BUCKET = "orchard-yarn";
    static final int K = 8;

    /**
     * docs/emr.md's step holds the flags of the tested YARN command: the same flags in the same order,
     * only the sizes differ, no {@code --master} (a Spark step adds it) and no access keys (EMR's
     * instance profile gives credentials).
     */
    @Test
    void emrStepHasTheFlagsOfTheTestedYarnCommand() throws IOException {
        Map<String, String> vars = Map.of("ORCHARD_JAR", "orchard-job.jar", "INPUT", "s3://in", "OUTPUT", "s3://out",
                "MODEL", "s3://model", "AWS_ACCESS_KEY_ID", "key", "AWS_SECRET_ACCESS_KEY", "secret");
        List<String> yarn = new ArrayList<>(DocCommands.page("standalone-and-yarn.md").command("yarn-cluster", vars));
        assertEquals(List.of("spark-submit", "--master", "yarn"), yarn.subList(0, 3));
        yarn.subList(0, 3).clear();
        for (int i = 0; i < yarn.size() - 1; i++) {
            if (yarn.get(i).equals("--conf") && yarn.get(i + 1).contains("AWS_")) {
                yarn.subList(i, i + 2).clear();
                i--;
            }
        }
        JsonNode steps = ItEnv.JSON.readTree(DocCommands.page("emr.md").block("emr-step"));
        assertEquals("Spark", steps.get(0).get("Type").asText());
        List<String> emr = new ArrayList<>();
        steps.get(0).get("Args").forEach(a -> emr.add(a.asText()));
        assertEquals(shape(yarn), shape(emr));
    }

    /** Flags and fixed values kept; sizes, URIs and the jar's location masked. */
    private static List<String> shape(List<String> args) {
        Set<String> sized = Set.of("--driver-memory", "--executor-memory", "--executor-cores", "--num-executors");
        Set<String> uris = Set.of("--input", "--output", "--model");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String prev = i > 0 ? args.get(i - 1) : "";
            out.add(sized.contains(prev) ? "<size>" : uris.contains(prev) ? "<uri>" : a.endsWith("orchard-job.jar")
                    ? "<jar>" : a);
        }
        return out;
    }

    @Test
    void yarnClusterModeRunsTheDocumentedCommand() throws IOException {
        SparkHome spark = SparkHome.fromBuild();
        Path work = ItEnv.workDir("yarn");
        DocCommands doc = DocCommands.page("standalone-and-yarn.md");
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket(BUCKET);
            Set<String> images = ItData.uploadImages(s3, BUCKET, "in", 4, 12);
            String model = ItData.uploadModel(s3, BUCKET, "models/sample-cnn");
            long t0 = System.nanoTime();
            try (MiniYarn yarn = MiniYarn.start(spark, work)) {
                System.out.printf("MiniYARNCluster up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                Path conf = Files.createDirectories(work.resolve("spark-conf"));
                Files.writeString(conf.resolve("spark-defaults.conf"), String.join("\n",
                        "spark.yarn.jars local:" + spark.path().resolve("jars") + "/*",
                        "spark.yarn.stagingDir " + work.resolve("staging").toUri(),
                        "spark.yarn.maxAppAttempts 1",
                        "spark.ui.enabled false",
                        "spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1",
                        "spark.executorEnv.SPARK_LOCAL_IP 127.0.0.1") + "\n", StandardCharsets.UTF_8);

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

                Map<String, String> env = spark.env();
                env.put("HADOOP_CONF_DIR", yarn.confDir().toString());
                env.put("SPARK_CONF_DIR", conf.toString());
                Path log = work.resolve("yarn-run.log");
                long t1 = System.nanoTime();
                int code = spark.submit(args, env, work, log, 420);
                System.out.printf("YARN cluster-mode run: %.1f s%n", (System.nanoTime() - t1) / 1e9);
                String out = ChildProcess.tail(log, 120);
                assertEquals(0, code, out + "\n--- MiniYARNCluster:\n" + yarn.logTail(60));
                assertTrue(out.contains("final status: SUCCEEDED"), out);
                ItData.assertCompleteRun(s3, BUCKET, "out/yarn", images, K);
            }
        }
    }
}
