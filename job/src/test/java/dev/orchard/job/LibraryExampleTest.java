package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Sink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/library.md's complete example, as a user builds it: the separate Maven project in {@code examples/}, which
 * depends on {@code dev.orchard:orchard-core} by coordinates only (installed by the README's test command,
 * {@code ./mvnw -B install}, before this module's tests run), compiled by its own Maven build and run as its own JVM
 * on the sample images; its features must equal {@code orchard run}'s and its {@code _SUCCESS} must reconcile.
 */
class LibraryExampleTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path EXAMPLE = ROOT.resolve("examples/src/main/java/com/example/fruits/ExampleJob.java");
    private static final double RELATIVE = 1e-5;

    @TempDir
    static Path tmp;

    @Test
    void theDocsShowTheExampleThatIsBuiltAndRun() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/library.md"));
        String marker = "## A complete job";
        int at = doc.indexOf(marker);
        assertTrue(at >= 0, "docs/library.md has a complete job");
        int start = doc.indexOf("```java\n", at) + "```java\n".length();
        int end = doc.indexOf("```", start);
        assertEquals(Files.readString(EXAMPLE), doc.substring(start, end),
                "docs/library.md shows examples/.../ExampleJob.java exactly");
        String pom = Files.readString(ROOT.resolve("examples/pom.xml"));
        String deps = pom.substring(pom.indexOf("  <dependencies>"), pom.indexOf("  </dependencies>"));
        assertTrue(doc.contains(deps), "docs/library.md shows examples/pom.xml's dependency block exactly");
    }

    @Test
    void theExampleJobBuiltAgainstTheInstalledArtifactMatchesOrchardRun() throws Exception {
        Path installed = Path.of(System.getProperty("user.home"), ".m2", "repository", "dev", "orchard", "orchard-core");
        assertTrue(Files.isDirectory(installed), "orchard-core is not installed in ~/.m2: run the README's test "
                + "command, ./mvnw -B install (it installs core before job's tests)");
        Path project = tmp.resolve("example");
        copyTree(ROOT.resolve("examples"), project);
        run(ROOT, 900, ROOT.resolve("mvnw").toString(), "-B", "-q", "-f", project.resolve("pom.xml").toString(),
                "package", "dependency:build-classpath", "-Dmdep.outputFile=" + project.resolve("cp.txt"),
                "-Dmdep.includeScope=test");
        String cp = project.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).trim();
        assertTrue(!cp.contains("orchard-job") && !cp.contains(ROOT.resolve("core/target").toString()),
                "the example sees orchard-core as an artifact, and no job class");

        Path samples = ROOT.resolve("data-samples/fruits-sample");
        Path model = ROOT.resolve("data-samples/models/sample-cnn");
        Path exampleOut = tmp.resolve("example out");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(System.getProperty("orchard.test.jvmOpens").trim().split("\\s+")));
        cmd.addAll(List.of("-Xmx1g", "-Dspark.master=local[2]", "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
                "-cp", cp, "com.example.fruits.ExampleJob", samples.toString(), model.toString(), exampleOut.toString()));
        String log = run(tmp, 600, cmd.toArray(String[]::new));
        assertTrue(log.contains("listed "), log);

        Path runOut = tmp.resolve("run out");
        assertEquals(0, Main.execute(new String[] {"run", "--input", samples.toString(), "--model", model.toString(),
                "--output", runOut.toString(), "--k", "10", "--master", "local[2]"}));

        JsonNode manifest = new ObjectMapper().readTree(exampleOut.resolve("_SUCCESS").toFile());
        long listed = manifest.path("counts").path("listed").asLong();
        long featurized = manifest.path("counts").path("featurized").asLong();
        long failed = manifest.path("counts").path("failed").asLong();
        long images;
        try (Stream<Path> s = Files.walk(samples)) {
            images = s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".jpg")).count();
        }
        assertEquals(images, listed, manifest.toString());
        assertEquals(listed, featurized + failed, manifest.toString());
        for (String f : List.of("features", "errors", "pca", "pca-model.json")) {
            assertTrue(Files.exists(exampleOut.resolve(f)), f);
        }

        Map<String, float[]> mine = features(exampleOut);
        Map<String, float[]> cli = features(runOut);
        assertEquals(cli.keySet(), mine.keySet());
        for (Map.Entry<String, float[]> e : cli.entrySet()) {
            float[] a = e.getValue();
            float[] b = mine.get(e.getKey());
            double scale = 0;
            for (float v : a) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], RELATIVE * Math.max(scale, 1e-12), e.getKey() + "[" + i + "]");
            }
        }
    }

    private static Map<String, float[]> features(Path output) {
        return Sink.readFeatureFolder(output.resolve("features").toString(), StorageOptions.defaults()).stream()
                .collect(Collectors.toMap(FeatureRecord::imageId, FeatureRecord::features));
    }

    /** Runs a command, returns its output; fails the test with that output on a non-zero exit or a timeout. */
    private static String run(Path dir, int timeoutSeconds, String... cmd) throws Exception {
        Path log = Files.createTempFile(tmp, "cmd", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done && p.exitValue() == 0, String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        }
    }
}
