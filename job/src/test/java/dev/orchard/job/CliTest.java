package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.storage.Storage;
import dev.orchard.internal.storage.Storages;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Exit codes, hints and suggestions of the command line; inspect-model on S3; local output on a cluster. */
class CliTest {

    @TempDir
    Path tmp;

    private static RunCommandTest.Captured orchard(String... args) {
        return RunCommandTest.capture(() -> Main.execute(args));
    }

    /** A command that fails the way Spark's and Scala's argument checks do. */
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            scala.Predef.require(false); // IllegalArgumentException("requirement failed")
            return 0;
        }
    }

    @Test
    void anIllegalArgumentExceptionInARunIsAFailureNotAUsageError() {
        CommandLine cli = new CommandLine(new Main()).addSubcommand("boom", new Boom());
        cli.setExecutionExceptionHandler(Main::onFailure);
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(Main.EXIT_FAILED, cli.execute("boom"));
        assertTrue(err.toString().contains("boom failed: requirement failed"), err.toString());
    }

    @Test
    void aBadValueOfAParsedFlagIsStillAUsageError() {
        RunCommandTest.Captured c = orchard("run", "--preprocessing", "sepia", "--output", tmp.resolve("p").toString());
        assertEquals(Main.EXIT_USAGE, c.code(), c.err());
        assertTrue(c.err().startsWith("orchard: --preprocessing: Unknown preprocessing 'sepia'"), c.err());
        RunCommandTest.Captured pixels = orchard("run", "--max-pixels", "0", "--output", tmp.resolve("m").toString());
        assertEquals(Main.EXIT_USAGE, pixels.code(), pixels.err());
        assertTrue(pixels.err().contains("--max-pixels must be >= 1"), pixels.err());
    }

    @Test
    void theHintNamesTheCommandOnce() {
        RunCommandTest.Captured top = orchard("--no-such-flag");
        assertEquals(Main.EXIT_USAGE, top.code());
        assertTrue(top.err().contains("Run 'orchard --help' for the flags."), top.err());
        assertFalse(top.err().contains("orchard orchard"), top.err());

        RunCommandTest.Captured sub = orchard("run", "--no-such-flag");
        assertEquals(Main.EXIT_USAGE, sub.code());
        assertTrue(sub.err().contains("Run 'orchard run --help' for the flags."), sub.err());
    }

    @Test
    void mistypedCommandsAndFlagsGetSuggestions() {
        RunCommandTest.Captured cmd = orchard("featurise");
        assertEquals(Main.EXIT_USAGE, cmd.code());
        assertTrue(cmd.err().contains("Did you mean") && cmd.err().contains("featurize"), cmd.err());

        RunCommandTest.Captured flag = orchard("run", "--outptu", "x");
        assertEquals(Main.EXIT_USAGE, flag.code());
        assertTrue(flag.err().contains("--output"), flag.err());
    }

    @Test
    void aLocalOutputUnderAClusterMasterIsRefusedBeforeSparkStarts() {
        Path out = tmp.resolve("lost");
        RunCommandTest.Captured c = orchard("run", "--master", "yarn", "--output", out.toString());
        assertEquals(Main.EXIT_USAGE, c.code(), c.err());
        assertEquals(1, c.err().strip().lines().count(), c.err());
        assertTrue(c.err().contains("local path but Spark runs on yarn") && c.err().contains("s3://"), c.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void spotWithoutAPriceIsRefused() {
        RunCommandTest.Captured c = orchard("run", "--market", "spot", "--output", tmp.resolve("s").toString());
        assertEquals(Main.EXIT_USAGE, c.code(), c.err());
        assertTrue(c.err().contains("--market spot needs --instance-price"), c.err());
    }

    @Test
    void inspectModelReadsAModelOnS3() throws IOException {
        try (S3ProxyServer s3 = S3ProxyServer.start(); AutoCloseable creds = s3.installDefaultCredentials()) {
            s3.createBucket("models");
            Path model = Path.of(Samples.model());
            Storage storage = Storages.forUri("s3://models/x", s3.options());
            try (Stream<Path> walk = Files.walk(model)) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    storage.upload(f, "s3://models/sample/" + model.relativize(f).toString().replace('\\', '/'));
                }
            }
            RunCommandTest.Captured c = orchard("inspect-model", "--model", "s3://models/sample",
                    "--s3-endpoint", s3.endpoint());
            assertEquals(0, c.code(), c.err());
            assertTrue(c.out().contains("SavedModel s3://models/sample"), c.out());
            assertTrue(c.out().contains("serving_default"), c.out());
            assertTrue(c.out().contains("feature dim:"), c.out());

            RunCommandTest.Captured missing = orchard("inspect-model", "--model", "s3://models/nothing-here",
                    "--s3-endpoint", s3.endpoint());
            assertEquals(Main.EXIT_FAILED, missing.code());
            assertEquals(1, missing.err().strip().lines().count(), missing.err());
            assertTrue(missing.err().contains("s3://models/nothing-here"), missing.err());
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theStepConfsCoverEveryTensorFlowVariableForTheDriverAndTheExecutors() {
        List<String> confs = NativeEnvironment.submitConfs();
        assertEquals(2 * NativeEnvironment.VARIABLES.size(), confs.size());
        NativeEnvironment.VARIABLES.forEach((k, v) -> {
            assertTrue(confs.contains("spark.yarn.appMasterEnv." + k + "=" + v), confs.toString());
            assertTrue(confs.contains("spark.executorEnv." + k + "=" + v), confs.toString());
        });
    }

    @Test
    void aYarnClusterDriverWithoutTheTensorFlowEnvironmentWarnsWithTheConfsToAdd() {
        org.apache.spark.SparkConf yarnCluster = new org.apache.spark.SparkConf(false)
                .set("spark.master", "yarn").set("spark.submit.deployMode", "cluster");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        java.util.Map<String, String> env = new java.util.HashMap<>(NativeEnvironment.VARIABLES);
        assertFalse(NativeEnvironment.warnIfMissingInClusterDriver(yarnCluster, env, err));
        env.remove("TF_ENABLE_ONEDNN_OPTS");
        assertTrue(NativeEnvironment.warnIfMissingInClusterDriver(yarnCluster, env, err));
        assertTrue(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)
                .contains("--conf spark.yarn.appMasterEnv.TF_ENABLE_ONEDNN_OPTS=1"), bytes.toString());
        assertFalse(NativeEnvironment.warnIfMissingInClusterDriver(
                new org.apache.spark.SparkConf(false).set("spark.master", "yarn"), java.util.Map.of(), err),
                "client mode: the driver is this JVM, whose environment the relaunch or spark-submit sets");
    }
}
