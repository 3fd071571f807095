package dev.orchard.internal.model.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A pretrained-weights file opened read-only, its weights named by Keras layer and weight
 * ({@code Conv1} / {@code kernel}) whatever its format ({@link WeightFormat}). Only shapes are read on
 * opening; data is read per tensor by {@link StoredTensor#read()}.
 *
 * <p><b>Bounds.</b> A file larger than {@link #MAX_FILE_BYTES}, a JSON document or string attribute larger
 * than {@link #MAX_METADATA_BYTES}, or more than {@link #MAX_LAYERS} layers is refused before anything is
 * allocated for it; a tensor's data is read only after its declared shape has been checked (by the caller)
 * against the architecture's, so a hostile file can make Orchard allocate at most what the network needs.
 *
 * <p>Not thread-safe. Close it to release the file (and the temporary copy of a {@code .keras} archive's
 * weights).
 */
public final class WeightFile implements AutoCloseable {

    /** Largest weights file (VGG16 with its classifier is 553 MB). */
    public static final long MAX_FILE_BYTES = 2L << 30;
    /** Largest JSON document ({@code model.json}, {@code config.json}) or HDF5 string attribute. */
    public static final long MAX_METADATA_BYTES = 64L << 20;
    /** Most layers a file may list. */
    public static final int MAX_LAYERS = 20_000;

    /**
     * One Keras layer of an architecture, in model order: what a Keras 3 {@code .weights.h5} (which stores
     * no names) is matched against.
     *
     * @param name      Keras layer name, e.g. {@code block_1_expand_BN}
     * @param className Keras class, e.g. {@code BatchNormalization}
     */
    public record KerasLayer(String name, String className) {}

    /** Where the weights came from: written to {@code orchard.json}. */
    public record Origin(String file, String sha256, WeightFormat format, List<String> otherFiles) {}

    /** What a reader found: weights by layer name (in file order), or by Keras 3 class path. */
    interface Contents extends AutoCloseable {
        /** Layer name → weight name → tensor; for a Keras 3 {@code .weights.h5}, class path → var index. */
        Map<String, Map<String, StoredTensor>> layers();

        /** Whether {@link #layers()} is keyed by Keras 3 class path ({@code conv2d_3}) rather than name. */
        default boolean keyedByClassPath() {
            return false;
        }

        /** Extra files the weights live in (TF.js shards), relative to the main file's folder. */
        default List<String> otherFiles() {
            return List.of();
        }

        @Override
        void close();
    }

    private final Path file;
    private final WeightFormat format;
    private final Contents contents;

    private WeightFile(Path file, WeightFormat format, Contents contents) {
        this.file = file;
        this.format = format;
        this.contents = contents;
    }

    /**
     * Opens a weights file, telling the format from its name and first bytes: {@code *.json} is a TF.js
     * Layers model, a zip a {@code .keras} archive, and an HDF5 file Keras 2 (root attribute
     * {@code layer_names}) or Keras 3 (root group {@code layers}).
     *
     * @throws WeightsException (one line) if it is missing, too large, or not a readable weights file
     */
    public static WeightFile open(Path file) {
        Path f = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(f)) {
            throw new WeightsException("Weights file " + f + " does not exist or is not a file: check the path");
        }
        long size;
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(f)) {
            size = Files.size(f);
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new WeightsException("Cannot read weights file " + f + ": " + e.getMessage(), e);
        }
        if (size > MAX_FILE_BYTES) {
            throw new WeightsException("Weights file " + f + " is " + size + " bytes, more than the "
                    + MAX_FILE_BYTES + " Orchard imports");
        }
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return new WeightFile(f, WeightFormat.TFJS_LAYERS, TfjsWeights.open(f));
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return new WeightFile(f, WeightFormat.KERAS3_ARCHIVE, KerasArchive.open(f));
        }
        if (n == 8 && head[0] == (byte) 0x89 && head[1] == 'H' && head[2] == 'D' && head[3] == 'F') {
            H5Weights h5 = H5Weights.open(f, f.toString());
            return new WeightFile(f, h5.keyedByClassPath() ? WeightFormat.KERAS3_WEIGHTS_H5 : WeightFormat.KERAS2_H5,
                    h5);
        }
        throw new WeightsException("Weights file " + f + " is neither HDF5 (.h5, .weights.h5), a .keras zip nor a "
                + "TF.js model.json (it starts with bytes " + HexFormat.of().formatHex(head, 0, n) + ")");
    }

    public Path file() {
        return file;
    }

    public WeightFormat format() {
        return format;
    }

    /** Whether the file stores layer names (a bare Keras 3 {@code .weights.h5} does not). */
    public boolean namesStored() {
        return !contents.keyedByClassPath();
    }

    /** The file's SHA-256 (and the TF.js shard names), for provenance. Reads the whole file once. */
    public Origin origin() {
        return new Origin(file.toString(), sha256(file), format, contents.otherFiles());
    }

    /**
     * Weights by Keras layer name, then weight name ({@code kernel}, {@code depthwise_kernel}, {@code bias},
     * {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}), in file order. A bare
     * Keras 3 {@code .weights.h5} stores no names: its {@code layers/<class path>} entries are named by
     * matching them, class by class in model order, with {@code architecture}; entries left over keep their
     * class path as name.
     *
     * @param architecture the network's layers in Keras model order (used only for Keras 3 {@code .weights.h5})
     */
    public Map<String, Map<String, StoredTensor>> layers(List<KerasLayer> architecture) {
        Map<String, Map<String, StoredTensor>> raw = contents.layers();
        if (!contents.keyedByClassPath()) {
            return raw;
        }
        Map<String, Map<String, StoredTensor>> left = new LinkedHashMap<>(raw);
        Map<String, Map<String, StoredTensor>> named = new LinkedHashMap<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (KerasLayer l : architecture) {
            String key = classPath(l.className(), seen);
            Map<String, StoredTensor> vars = left.remove(key);
            if (vars != null) {
                named.put(l.name(), rolesOf(l.className(), vars));
            }
        }
        named.putAll(left);
        return Collections.unmodifiableMap(named);
    }

    /**
     * Keras 3's name for the {@code n}-th layer of a class in a model's layer list ({@code conv2d},
     * {@code conv2d_1}, ...): the class name in snake case, numbered from the second one on.
     *
     * @param seen per snake-case name, how many came before (Modified)
     */
    static String classPath(String className, Map<String, Integer> seen) {
        String snake = snakeCase(className);
        int k = seen.merge(snake, 1, Integer::sum) - 1;
        return k == 0 ? snake : snake + "_" + k;
    }

    /** Keras' {@code naming.to_snake_case}: {@code DepthwiseConv2D} → {@code depthwise_conv2d}. */
    static String snakeCase(String name) {
        String s = name.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Keras 3 stores a layer's variables as {@code vars/0..n} in the order the layer creates them. */
    static Map<String, StoredTensor> rolesOf(String className, Map<String, StoredTensor> byIndex) {
        List<String> roles = switch (className) {
            case "Conv2D", "Dense", "DepthwiseConv2D" -> List.of("kernel", "bias");
            case "BatchNormalization" -> List.of("gamma", "beta", "moving_mean", "moving_variance");
            default -> List.of();
        };
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : byIndex.entrySet()) {
            int i = parseIndex(e.getKey());
            out.put(i >= 0 && i < roles.size() ? roles.get(i) : e.getKey(), e.getValue());
        }
        return out;
    }

    private static int parseIndex(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code Conv1/kernel:0} → {@code kernel}; {@code model/Conv1/kernel} → {@code kernel}. */
    static String weightName(String path) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.replaceFirst(":\\d+$", "");
    }

    /** {@code model/Conv1/kernel} → {@code Conv1}; a name without a layer part → "". */
    static String layerOf(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return "";
        }
        String prefix = path.substring(0, slash);
        return prefix.substring(prefix.lastIndexOf('/') + 1);
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new WeightsException("Cannot read weights file " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds {@code tensor} under its layer and weight name, refusing a file with too many layers. */
    static void put(Map<String, Map<String, StoredTensor>> layers, String layer, String weight, StoredTensor tensor,
                    String file) {
        if (!layers.containsKey(layer) && layers.size() >= MAX_LAYERS) {
            throw new WeightsException("Weights file " + file + " lists more than " + MAX_LAYERS + " layers");
        }
        layers.computeIfAbsent(layer, k -> new LinkedHashMap<>()).put(weight, tensor);
    }

    static List<String> copy(List<String> l) {
        return Collections.unmodifiableList(new ArrayList<>(l));
    }

    @Override
    public void close() {
        contents.close();
    }
}
