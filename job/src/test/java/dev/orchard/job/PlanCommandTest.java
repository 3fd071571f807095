package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code orchard plan} on the sample set: counts per class as on disk, and an estimate for here and a cluster. */
class PlanCommandTest {

    @Test
    void planCountsEveryClassAndEstimatesTheRun() throws IOException {
        Path images = Paths.get(Samples.images());
        TreeMap<String, Long> onDisk = new TreeMap<>();
        long bytes = 0;
        try (Stream<Path> files = Files.walk(images)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png")) {
                    onDisk.merge(p.getParent().getFileName().toString(), 1L, Long::sum);
                    bytes += Files.size(p);
                }
            }
        }
        long total = onDisk.values().stream().mapToLong(Long::longValue).sum();

        RunCommandTest.Captured c = RunCommandTest.capture(() -> Main.execute("plan", "--master", "local[2]",
                "--sample", "16", "--no-probe", "--executors", "4", "--cores-per-executor", "8"));

        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains(String.format(Locale.ROOT, "images: %,d in %d classes, %.1f MB",
                total, onDisk.size(), bytes / 1e6)), c.out());
        TreeMap<String, Long> printed = new TreeMap<>();
        Matcher m = Pattern.compile(" ([^;:]+?) ([0-9,]+);").matcher(c.out().substring(c.out().indexOf("per class:")));
        while (m.find()) {
            printed.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
        }
        assertEquals(onDisk, printed);
        assertTrue(c.out().contains("sample: 16 images featurized here"), c.out());
        assertTrue(c.out().contains("cluster: 4 executors × 8 cores (5 × m5.xlarge"), c.out());
    }

    @Test
    void badSampleSizeIsAUsageError() {
        RunCommandTest.Captured c = RunCommandTest.capture(() -> Main.execute("plan", "--sample", "1"));
        assertEquals(Main.EXIT_USAGE, c.code());
        assertTrue(c.err().contains("--sample must be in [4, 4096] but was 1"), c.err());
    }
}
