package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.Sink;
import dev.orchard.StorageOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed mid-way leaves no {@code _SUCCESS}; a rerun with --overwrite equals a clean run. */
class KilledRunTest {

    private static final double SAME_IMAGE = 1e-4;

    @TempDir
    Path tmp;

    @Test
    void killedRunLeavesNothingThatLooksCompleteAndRerunEqualsCleanRun() throws Exception {
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String opt : System.getProperty("orchard.test.jvmOpens", "").split(" ")) {
            if (!opt.isBlank()) {
                cmd.add(opt);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--output", out.toString(), "--master", "local[2]", "--max-partition-size", "16",
                "--batch-size", "4", "--k", "5"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed.log").toFile()).start();
        try {
            Path features = out.resolve("features");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && p.isAlive() && !hasPart(features)) {
                Thread.sleep(50);
            }
            assertTrue(p.isAlive(), "the run was still working when killed: " + Files.readString(tmp.resolve("killed.log")));
            assertTrue(hasPart(features), "killed after some part files were written");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(out.resolve("_SUCCESS")), "a killed run leaves no _SUCCESS");

        assertEquals(Main.EXIT_FAILED, Main.execute("run", "--output", out.toString(), "--master", "local[2]",
                "--k", "5"), "a leftover output is not silently reused");
        assertEquals(0, Main.execute("run", "--output", out.toString(), "--overwrite", "--master", "local[2]",
                "--k", "5"));
        Path clean = tmp.resolve("clean");
        assertEquals(0, Main.execute("run", "--output", clean.toString(), "--master", "local[2]", "--k", "5"));

        Manifest rerun = Manifest.read(out.toString(), StorageOptions.defaults());
        Manifest fresh = Manifest.read(clean.toString(), StorageOptions.defaults());
        assertEquals(fresh.counts(), rerun.counts());
        assertEquals(tables(fresh), tables(rerun), "same part files, same rows");
        List<FeatureRecord> a = sorted(Sink.readFeatureFolder(clean.resolve("features").toString(),
                StorageOptions.defaults()));
        List<FeatureRecord> b = sorted(Sink.readFeatureFolder(out.resolve("features").toString(),
                StorageOptions.defaults()));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).imageId(), b.get(i).imageId());
            for (int j = 0; j < a.get(i).features().length; j++) {
                assertEquals(a.get(i).features()[j], b.get(i).features()[j],
                        SAME_IMAGE * Math.max(1, Math.abs(a.get(i).features()[j])));
            }
        }
    }

    /** The data part files and their rows (the event log's name carries the application id, so it differs). */
    private static List<String> tables(Manifest m) {
        return m.files().stream().filter(f -> f.path().matches("(features|pca|errors)/part-.*"))
                .map(f -> f.path() + ":" + f.rows()).toList();
    }

    private static List<FeatureRecord> sorted(List<FeatureRecord> rows) {
        return rows.stream().sorted(Comparator.comparing(FeatureRecord::imageId)).toList();
    }

    private static boolean hasPart(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith("part-"));
        }
    }
}
