package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.PartFile;
import dev.orchard.internal.sink.Sink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An incremental run killed during featurize leaves no {@code _SUCCESS}; run again with the same flags it
 * completes, and the chain holds every image once.
 */
class KilledIncrementalRunTest {

    private static final StorageOptions SO = StorageOptions.defaults();

    @TempDir
    Path tmp;

    @Test
    void killedIncrementalRunRerunWithTheSameFlagsLosesAndDuplicatesNothing() throws Exception {
        Map<String, byte[]> images = IncrementalScenario.sampleImages();
        List<String> classes = images.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().toList();
        Path input = tmp.resolve("in");
        Map<String, byte[]> later = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
            boolean firstHalf = classes.indexOf(e.getKey().substring(0, e.getKey().indexOf('/'))) < classes.size() / 2;
            if (firstHalf) {
                write(input, e.getKey(), e.getValue());
            } else {
                later.put(e.getKey(), e.getValue());
            }
        }
        Path first = tmp.resolve("run-1");
        assertEquals(0, Main.execute("featurize", "--input", input.toString(), "--output", first.toString(),
                "--master", "local[2]", "--no-event-log"));
        long before = Manifest.read(first.toString(), SO).counts().listed();
        for (Map.Entry<String, byte[]> e : later.entrySet()) {
            write(input, e.getKey(), e.getValue());
        }

        Path out = tmp.resolve("run-2");
        List<String> flags = List.of("featurize", "--input", input.toString(), "--output", out.toString(),
                "--incremental-from", first.toString(), "--overwrite", "--master", "local[2]",
                "--max-partition-size", "8", "--batch-size", "4", "--no-event-log");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String opt : System.getProperty("orchard.test.jvmOpens", "").split(" ")) {
            if (!opt.isBlank()) {
                cmd.add(opt);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(flags);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(900);
            while (System.nanoTime() < deadline && p.isAlive() && !hasPart(out.resolve("features"))) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "still featurizing when killed: " + Files.readString(tmp.resolve("killed.log")));
            assertTrue(hasPart(out.resolve("features")), "killed after some part files were written");
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(out.resolve("_SUCCESS")), "a killed run leaves no _SUCCESS");

        Instant rerun = Instant.now();
        assertEquals(0, Main.execute(flags.toArray(String[]::new)), "the same flags again");
        Manifest m = Manifest.read(out.toString(), SO);
        assertTrue(Instant.parse(m.createdAt()).isAfter(rerun), "the _SUCCESS is the rerun's");
        assertEquals(new Manifest.Counts(images.size(), before, later.size(), 0, 0), m.counts());
        assertEquals(List.of(first.toUri().toString().replaceAll("/$", "")), m.continuedFrom());

        List<String> onDisk;
        try (Stream<Path> s = Files.list(out.resolve("features"))) {
            onDisk = s.map(f -> "features/" + f.getFileName()).sorted().toList();
        }
        assertEquals(m.filesIn("features").stream().map(PartFile::path).sorted().toList(), onDisk,
                "no part file of the killed attempt is left");

        List<FeatureRecord> written = Sink.readFeatureFolder(out.resolve("features").toString(), SO);
        TreeSet<String> ids = written.stream().map(FeatureRecord::imageId).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(written.size(), ids.size(), "no image twice");
        assertEquals(later.size(), ids.size(), "exactly the images added since the first run");
        TreeSet<String> union = new TreeSet<>(ids);
        Sink.readFeatureFolder(first.resolve("features").toString(), SO).forEach(f -> union.add(f.imageId()));
        assertEquals(images.size(), union.size(), "the chain holds every listed image");
    }

    private static void write(Path root, String key, byte[] bytes) throws IOException {
        Path f = root.resolve(key);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
    }

    private static boolean hasPart(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith("part-"));
        }
    }
}
