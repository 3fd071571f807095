package dev.orchard.internal.model.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A Keras 3 {@code .keras} zip: {@code config.json} gives the layers' names and classes in model order, which
 * name the {@code layers/<class path>} entries of {@code model.weights.h5} (copied, bounded, to a temporary
 * file that {@link #close()} deletes).
 */
final class KerasArchive implements WeightFile.Contents {

    private static final String CONFIG = "config.json";
    private static final String WEIGHTS = "model.weights.h5";

    private final H5Weights h5;
    private final Path tmp;
    private final Map<String, Map<String, StoredTensor>> layers;

    private KerasArchive(H5Weights h5, Path tmp, Map<String, Map<String, StoredTensor>> layers) {
        this.h5 = h5;
        this.tmp = tmp;
        this.layers = layers;
    }

    static KerasArchive open(Path file) {
        JsonNode config;
        Path tmp = null;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            config = new ObjectMapper().readTree(entry(zip, CONFIG, WeightFile.MAX_METADATA_BYTES, file));
            tmp = Files.createTempFile("orchard-keras-weights-", ".h5");
            try (InputStream in = stream(zip, WEIGHTS, file); OutputStream out = Files.newOutputStream(tmp)) {
                copyBounded(in, out, WeightFile.MAX_FILE_BYTES, file + "!" + WEIGHTS);
            }
        } catch (IOException e) {
            delete(tmp);
            throw new WeightsException("Weights file " + file + " is not a readable .keras zip: " + H5Weights.oneLine(e), e);
        } catch (RuntimeException e) {
            delete(tmp);
            throw e;
        }
        String display = file + "!" + WEIGHTS;
        H5Weights h5 = null;
        try {
            h5 = H5Weights.open(tmp, display);
            if (!h5.keyedByClassPath()) {
                throw new WeightsException("Weights file " + display + " is not in the Keras 3 layout (layers/...)");
            }
            return new KerasArchive(h5, tmp, byName(config, h5.layers(), file));
        } catch (RuntimeException e) {
            if (h5 != null) {
                h5.close();
            }
            delete(tmp);
            throw e;
        }
    }

    /** Names the class-path entries with config.json's layer list (Keras numbers them in that order). */
    private static Map<String, Map<String, StoredTensor>> byName(JsonNode config,
                                                                 Map<String, Map<String, StoredTensor>> byPath,
                                                                 Path file) {
        JsonNode list = config.path("config").path("layers");
        if (!list.isArray()) {
            throw new WeightsException("Weights file " + file + ": config.json has no config.layers list "
                    + "(a Functional or Sequential model is expected)");
        }
        Map<String, Map<String, StoredTensor>> left = new LinkedHashMap<>(byPath);
        Map<String, Map<String, StoredTensor>> named = new LinkedHashMap<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (JsonNode layer : list) {
            String cls = layer.path("class_name").asText("");
            String name = layer.path("config").path("name").asText("");
            Map<String, StoredTensor> vars = left.remove(WeightFile.classPath(cls, seen));
            if (vars != null && !vars.isEmpty()) {
                named.put(name, WeightFile.rolesOf(cls, vars));
            }
        }
        left.values().removeIf(Map::isEmpty);
        named.putAll(left);
        return named;
    }

    private static InputStream stream(ZipFile zip, String name, Path file) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new WeightsException("Weights file " + file + " is a zip without " + name
                    + ": a Keras 3 .keras file holds config.json and model.weights.h5");
        }
        return zip.getInputStream(e);
    }

    private static byte[] entry(ZipFile zip, String name, long max, Path file) throws IOException {
        try (InputStream in = stream(zip, name, file)) {
            byte[] b = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
            if (b.length > max) {
                throw new WeightsException("Weights file " + file + ": " + name + " is larger than " + max + " bytes");
            }
            return b;
        }
    }

    private static void copyBounded(InputStream in, OutputStream out, long max, String what) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            total += r;
            if (total > max) {
                throw new WeightsException("Weights " + what + " expands to more than " + max + " bytes");
            }
            out.write(buf, 0, r);
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file; the OS cleans its temp folder
            }
        }
    }

    @Override
    public Map<String, Map<String, StoredTensor>> layers() {
        return layers;
    }

    @Override
    public void close() {
        h5.close();
        delete(tmp);
    }
}
