package dev.orchard.job;

import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Sink;
import dev.orchard.StorageOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads an output folder's part files back, for assertions. */
final class SinkFiles {

    private SinkFiles() {}

    /** Every feature row of one format, sorted by image id. */
    static List<FeatureRecord> featureRows(Path output, String ext) throws IOException {
        try (Stream<Path> parts = Files.list(output.resolve("features"))) {
            return parts.filter(p -> p.getFileName().toString().endsWith("." + ext))
                    .flatMap(p -> Sink.readFeatureFile(p.toString(), StorageOptions.defaults()).stream())
                    .sorted(Comparator.comparing(FeatureRecord::imageId))
                    .collect(Collectors.toList());
        }
    }

    /** Every line of every CSV part in a folder, headers included, in part order. */
    static List<String> csvLines(Path folder) throws IOException {
        try (Stream<Path> parts = Files.list(folder)) {
            List<String> lines = new java.util.ArrayList<>();
            for (Path p : parts.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList()) {
                lines.addAll(Files.readAllLines(p));
            }
            return lines;
        }
    }

    static Path anyPart(Path folder, String suffix) throws IOException {
        try (Stream<Path> parts = Files.list(folder)) {
            return parts.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().findFirst()
                    .orElseThrow(() -> new AssertionError("no " + suffix + " part in " + folder));
        }
    }
}
