package dev.orchard.job;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the sample images and model of {@code data-samples} for a run with no flags: from the working
 * directory or any parent, or from beside the jar ({@code job/target/orchard.jar}).
 */
final class Samples {

    static final String IMAGES = "data-samples/fruits-sample/Training";
    static final String MODEL = "data-samples/models/sample-cnn";

    private Samples() {}

    static String images() {
        return find(IMAGES, "--input");
    }

    static String model() {
        return find(MODEL, "--model");
    }

    private static String find(String relative, String flag) {
        for (Path base : bases()) {
            for (Path p = base; p != null; p = p.getParent()) {
                Path candidate = p.resolve(relative);
                if (Files.isDirectory(candidate)) {
                    return candidate.toAbsolutePath().normalize().toString();
                }
            }
        }
        throw new UsageException("No " + flag + " given and the sample " + relative
                + " was not found from the current directory: run from the Orchard checkout or pass " + flag);
    }

    private static List<Path> bases() {
        List<Path> bases = new ArrayList<>();
        bases.add(Paths.get("").toAbsolutePath());
        try {
            Path jar = Paths.get(Samples.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            bases.add(jar.toAbsolutePath());
        } catch (URISyntaxException | RuntimeException ignored) {
            // no code source: the working directory is enough
        }
        return bases;
    }
}
