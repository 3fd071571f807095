package dev.orchard.internal.model;

import dev.orchard.ModelException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What an Orchard-made SavedModel says about itself beyond its signature, stored in
 * {@value #RELATIVE_PATH} (SavedModel reserves {@code assets.extra/} for files the runtime ignores):
 * {@code {"arch":"sample_cnn","preprocessing":"unit","imageSize":100}}. Models from elsewhere (a
 * Keras export) have no such file.
 *
 * @param arch          architecture name, e.g. {@code sample_cnn}, {@code mobilenet_v2}
 * @param preprocessing how pixels become inputs
 * @param imageSize     square input size in pixels
 */
public record ModelMetadata(String arch, Preprocessing preprocessing, int imageSize) {

    /** Location inside the SavedModel directory. */
    public static final String RELATIVE_PATH = "assets.extra/orchard.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelMetadata {
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be positive but was " + imageSize);
        }
    }

    /** Writes {@value #RELATIVE_PATH} under {@code savedModelDir}. */
    public void writeTo(Path savedModelDir) throws IOException {
        Path file = savedModelDir.resolve(RELATIVE_PATH);
        Files.createDirectories(file.getParent());
        ObjectNode node = JSON.createObjectNode()
                .put("arch", arch)
                .put("preprocessing", preprocessing.flagName())
                .put("imageSize", imageSize);
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
    }

    /**
     * Reads {@value #RELATIVE_PATH} under {@code savedModelDir}, if present.
     *
     * @throws ModelException if the file exists but is not valid
     */
    public static Optional<ModelMetadata> readFrom(Path savedModelDir) {
        Path file = savedModelDir.resolve(RELATIVE_PATH);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            String arch = node.path("arch").asText("unknown");
            Preprocessing p = Preprocessing.parse(node.path("preprocessing").asText(""));
            int size = node.path("imageSize").asInt(-1);
            return Optional.of(new ModelMetadata(arch, p, size));
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelException(file.toString(), "Invalid " + RELATIVE_PATH + " in " + savedModelDir + ": "
                    + e.getMessage() + " (expected {\"arch\":..., \"preprocessing\":\"mobilenet_v2|vgg16|unit\", "
                    + "\"imageSize\":N}); fix or delete it and pass --preprocessing/--image-size", e);
        }
    }
}
