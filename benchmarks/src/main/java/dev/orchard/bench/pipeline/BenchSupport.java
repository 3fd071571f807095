package dev.orchard.bench.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Helpers shared by the benchmarks: sample-image trees, flags, load average, RSS, CPU time. */
public final class BenchSupport {

    /** The committed Fruits-360 sample the image trees are replicated from. */
    static final String SAMPLE_TRAINING = "data-samples/fruits-sample/Training";

    private BenchSupport() {}

    /** {@code --key value} pairs. */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --key value pairs but got '" + args[i] + "'");
            }
            a.put(args[i].substring(2), args[++i]);
        }
        return a;
    }

    /** The sample JPEGs, sorted by path (class folder, then name). */
    public static List<Path> sampleImages(Path training) throws IOException {
        if (!Files.isDirectory(training)) {
            throw new IllegalArgumentException("sample folder " + training.toAbsolutePath()
                    + " not found: run from the repository root or pass --sample DIR");
        }
        try (Stream<Path> s = Files.walk(training)) {
            List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase().endsWith(".jpg"))
                    .sorted().toList());
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no .jpg under " + training.toAbsolutePath());
            }
            return out;
        }
    }

    /**
     * Hard-links (or copies, where links are refused) the sample into {@code root/<Class>/r<copy>_<name>} until at least {@code n} images
     * exist (whole copies of the sample, so every class keeps its share).
     *
     * @return for each written image, in the order an {@code ImageListing} of {@code root} sorts
     *         them, the index of its source in {@code sample}
     */
    public static Map<String, Integer> replicate(List<Path> sample, Path training, Path root, int n) throws IOException {
        int copies = (n + sample.size() - 1) / sample.size();
        Map<String, Integer> source = new LinkedHashMap<>();
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < sample.size(); i++) {
                Path src = sample.get(i);
                Path rel = training.relativize(src);
                Path dst = root.resolve(rel.getParent()).resolve("r" + c + "_" + src.getFileName());
                Files.createDirectories(dst.getParent());
                if (!Files.exists(dst)) {
                    try {
                        Files.createLink(dst, src.toAbsolutePath()); // same bytes, no disk: 30k images in seconds
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(src, dst);
                    }
                }
                source.put(dst.toAbsolutePath().toString(), i);
            }
        }
        return source;
    }

    public static Path sampleRoot(Map<String, String> a) {
        return Paths.get(a.getOrDefault("sample", SAMPLE_TRAINING));
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** This process's resident set (VmRSS of /proc/self/status), in bytes; -1 where unavailable. */
    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024L; // kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time of this whole process (all threads, native ones included), in nanoseconds. */
    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "n/a";
        }
        return "n/a";
    }

    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
