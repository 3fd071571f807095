package dev.orchard.internal.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchard.internal.model.ModelMetadata;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.model.weights.StoredTensor;
import dev.orchard.internal.model.weights.WeightFile;
import dev.orchard.internal.model.weights.WeightFile.KerasLayer;
import dev.orchard.internal.model.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Exports MobileNetV2 or VGG16 as a SavedModel with <b>pretrained weights from a file</b> (Keras 2 HDF5,
 * Keras 3 {@code .weights.h5} / {@code .keras}, TF.js {@code model.json}): each weight is found by its
 * Keras layer name ({@code block_3_expand} / {@code kernel}), batch norm is folded as for seeded weights
 * ({@link NetBuilder}), and the graph is the same one {@link MobileNetV2#export} and {@link Vgg16#export}
 * build.
 *
 * <p><b>Checked before anything is written:</b> every layer the network needs is present with exactly the
 * shape it needs (shapes only; no data is read yet), so a missing layer, a shape mismatch, weights of the
 * other architecture or of another MobileNetV2 width are refused with one line naming the layer and both
 * shapes. Layers the backbone does not use (a classifier head such as {@code predictions}, or
 * {@code fc1}/{@code fc2} of VGG16 weights with a top) are ignored and listed in the result and in
 * {@code orchard.json}. The SavedModel is exported to a temporary folder beside the output and moved into
 * place only when complete, so a failure (e.g. a truncated data block found while reading) leaves no output.
 *
 * <p>MobileNetV2's width multiplier is read from the weights' shapes (the one of {@link MobileNetV2#ALPHAS}
 * all shapes fit) unless given. VGG16 weights with {@code fc1}/{@code fc2} give the 4096-feature model up to
 * {@code fc2} (input 224 only, as fc1's shape fixes it); "notop" weights give {@code include_top=False,
 * pooling="avg"}: 512 features.
 */
public final class WeightImport {

    /**
     * What was imported.
     *
     * @param alpha   MobileNetV2 width multiplier, or NaN for VGG16
     * @param ignored layers in the file that the network does not use
     */
    public record Result(String arch, double alpha, int imageSize, int featureDim, List<String> ignored,
                         WeightFile.Origin origin) {}

    /** A weight the network needs: where it lives in a Keras file and its shape. */
    record Expected(String layer, String weight, long[] shape) {
        String key() {
            return layer + "/" + weight;
        }
    }

    private WeightImport() {}

    /**
     * Imports {@code weightsFile} and exports the SavedModel into {@code outputDir} (new, empty, or an earlier
     * SavedModel export, which is replaced).
     *
     * @param arch      {@code mobilenet_v2} or {@code vgg16}, or {@code null} to tell from the layer names
     * @param alpha     MobileNetV2 width, or {@code null} to read it from the weights
     * @param imageSize square input side, or {@code null} for 224
     * @throws WeightsException         (one line) if the file cannot be read or does not fit the network
     * @throws IllegalArgumentException if {@code arch}, {@code alpha} or {@code imageSize} is not supported
     * @throws IOException              if the output folder cannot be written
     */
    public static Result export(Path weightsFile, String arch, Double alpha, Integer imageSize, Path outputDir)
            throws IOException {
        Objects.requireNonNull(weightsFile, "weightsFile");
        Path out = outputDir.toAbsolutePath().normalize();
        checkOutput(out);
        try (WeightFile file = WeightFile.open(weightsFile)) {
            Plan plan = plan(file, arch, alpha, imageSize == null ? 224 : imageSize);
            WeightFile.Origin origin = file.origin();
            Result result = new Result(plan.arch, plan.alpha, plan.imageSize, plan.featureDim, plan.ignored, origin);
            Path parent = out.getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".orchard-import-");
            try {
                ArchExporter.export(tmp, plan.metadata, plan.network);
                writeProvenance(tmp, result);
                ModelExporter.prepare(out);
                try (Stream<Path> children = Files.list(tmp)) {
                    for (Path p : children.toList()) {
                        Files.move(p, out.resolve(p.getFileName().toString()));
                    }
                }
            } finally {
                ModelExporter.deleteRecursively(tmp);
            }
            return result;
        }
    }

    /** The network to build, checked against the file. */
    private record Plan(String arch, double alpha, int imageSize, int featureDim, List<String> ignored,
                        ModelMetadata metadata, ArchExporter.WeightedNetwork network) {}

    private static Plan plan(WeightFile file, String arch, Double alpha, int size) {
        String a = arch != null ? arch : detectArch(file);
        String display = file.file().toString();
        switch (a) {
            case MobileNetV2.ARCH -> {
                Map<String, Map<String, StoredTensor>> layers = file.layers(kerasLayers(MobileNetV2.blocks(size)));
                double al = alpha != null ? alpha : detectAlpha(layers, size);
                List<MobileNetV2.Block> blocks = MobileNetV2.blocks(size, al);
                List<ConvLayer> convs = blocks.stream().flatMap(b -> b.convs().stream()).toList();
                Map<String, Expected> expected = expected(convs, List.of());
                String what = "mobilenet_v2 alpha " + al;
                check(expected, layers, display, what, alpha != null ? hint(layers, size, al) : "");
                Imported source = new Imported(layers, expected, display);
                return new Plan(a, al, size, MobileNetV2.featureDim(al), ignored(layers, expected),
                        new ModelMetadata(a, Preprocessing.MOBILENET_V2, size),
                        (tf, images, weights) -> MobileNetV2.build(tf, images, blocks, weights, source, true, false));
            }
            case Vgg16.ARCH -> {
                Vgg16.Structure all = Vgg16.structure(size, false);
                List<ConvLayer> convs = all.blocks().stream().flatMap(List::stream).toList();
                List<KerasLayer> order = new ArrayList<>(kerasLayers(convs, List.of("fc1", "fc2", "predictions")));
                Map<String, Map<String, StoredTensor>> layers = file.layers(order);
                boolean top = layers.containsKey("fc1");
                Vgg16.Structure s = top ? Vgg16.structure(size, true) : all;
                Map<String, Expected> expected = expected(convs, s.dense());
                check(expected, layers, display, top ? "vgg16 with fc1/fc2 at " + size + " px" : "vgg16", "");
                Imported source = new Imported(layers, expected, display);
                return new Plan(a, Double.NaN, size, top ? Vgg16.FEATURE_DIM : Vgg16.NO_TOP_FEATURE_DIM,
                        ignored(layers, expected), new ModelMetadata(a, Preprocessing.VGG16, size),
                        (tf, images, weights) -> Vgg16.build(tf, images, s, weights, source));
            }
            default -> throw new IllegalArgumentException("Cannot import weights for --arch '" + a
                    + "': use mobilenet_v2 or vgg16");
        }
    }

    /** MobileNetV2 names its first layer Conv1; VGG16 block1_conv1; a bare Keras 3 file has depthwise layers or not. */
    static String detectArch(WeightFile file) {
        Map<String, Map<String, StoredTensor>> layers = file.layers(List.of());
        if (layers.containsKey("Conv1") || layers.containsKey("bn_Conv1") || layers.containsKey("depthwise_conv2d")) {
            return MobileNetV2.ARCH;
        }
        if (layers.containsKey("block1_conv1") || (!file.namesStored() && layers.containsKey("conv2d"))) {
            return Vgg16.ARCH;
        }
        throw new WeightsException("Weights file " + file.file() + " has neither MobileNetV2's layer Conv1 nor "
                + "VGG16's block1_conv1 (its layers: " + preview(layers.keySet()) + "); Orchard imports only these "
                + "two networks");
    }

    /** The one width whose every shape the file matches; else the closest guess, for the error message. */
    static double detectAlpha(Map<String, Map<String, StoredTensor>> layers, int size) {
        for (double a : MobileNetV2.ALPHAS) {
            if (fits(layers, size, a)) {
                return a;
            }
        }
        StoredTensor conv1 = find(layers, "Conv1", "kernel");
        if (conv1 != null) {
            for (double a : MobileNetV2.ALPHAS) {
                long[] shape = conv1.shape();
                if (shape.length == 4 && shape[3] == MobileNetV2.makeDivisible(32 * a)) {
                    return a;
                }
            }
        }
        return 1.0;
    }

    private static boolean fits(Map<String, Map<String, StoredTensor>> layers, int size, double alpha) {
        List<ConvLayer> convs = MobileNetV2.blocks(size, alpha).stream().flatMap(b -> b.convs().stream()).toList();
        for (Expected e : expected(convs, List.of()).values()) {
            StoredTensor t = find(layers, e.layer(), e.weight());
            if (t == null || !Arrays.equals(t.shape(), e.shape())) {
                return false;
            }
        }
        return true;
    }

    private static String hint(Map<String, Map<String, StoredTensor>> layers, int size, double given) {
        for (double a : MobileNetV2.ALPHAS) {
            if (a != given && fits(layers, size, a)) {
                return "; the file fits alpha " + a + ": pass --alpha " + a + " or leave --alpha out";
            }
        }
        return "";
    }

    /** The Keras layers (name, class) of a list of convolutions, batch norm after each that has it. */
    static List<KerasLayer> kerasLayers(List<MobileNetV2.Block> blocks) {
        return kerasLayers(blocks.stream().flatMap(b -> b.convs().stream()).toList(), List.of());
    }

    private static List<KerasLayer> kerasLayers(List<ConvLayer> convs, List<String> dense) {
        List<KerasLayer> out = new ArrayList<>();
        for (ConvLayer c : convs) {
            out.add(new KerasLayer(c.name(), c.depthwise() ? "DepthwiseConv2D" : "Conv2D"));
            if (c.batchNorm()) {
                out.add(new KerasLayer(MobileNetV2.batchNormName(c.name()), "BatchNormalization"));
            }
        }
        dense.forEach(d -> out.add(new KerasLayer(d, "Dense")));
        return out;
    }

    /** Every weight the network reads, in build order, keyed "layer/weight". */
    static Map<String, Expected> expected(List<ConvLayer> convs, List<ConvLayer> dense) {
        Map<String, Expected> out = new LinkedHashMap<>();
        for (ConvLayer c : convs) {
            long[] kernel = c.depthwise() ? new long[] {c.k(), c.k(), c.in(), 1} : new long[] {c.k(), c.k(), c.in(), c.out()};
            add(out, new Expected(c.name(), c.depthwise() ? "depthwise_kernel" : "kernel", kernel));
            if (c.bias()) {
                add(out, new Expected(c.name(), "bias", new long[] {c.out()}));
            }
            if (c.batchNorm()) {
                String bn = MobileNetV2.batchNormName(c.name());
                for (String w : List.of("gamma", "beta", "moving_mean", "moving_variance")) {
                    add(out, new Expected(bn, w, new long[] {c.out()}));
                }
            }
        }
        for (ConvLayer d : dense) {
            add(out, new Expected(d.name(), "kernel", new long[] {d.in(), d.out()}));
            add(out, new Expected(d.name(), "bias", new long[] {d.out()}));
        }
        return out;
    }

    private static void add(Map<String, Expected> out, Expected e) {
        out.put(e.key(), e);
    }

    /** A Keras 3 depthwise layer calls its kernel "kernel"; Keras 2 and TF.js "depthwise_kernel". */
    static StoredTensor find(Map<String, Map<String, StoredTensor>> layers, String layer, String weight) {
        Map<String, StoredTensor> m = layers.get(layer);
        if (m == null) {
            return null;
        }
        StoredTensor t = m.get(weight);
        return t == null && weight.equals("depthwise_kernel") ? m.get("kernel") : t;
    }

    /** Refuses, in one line, the first weight that is missing or shaped differently. Reads no data. */
    static void check(Map<String, Expected> expected, Map<String, Map<String, StoredTensor>> layers, String file,
                      String what, String hint) {
        for (Expected e : expected.values()) {
            String shape = StoredTensor.format(e.shape());
            if (!layers.containsKey(e.layer())) {
                throw new WeightsException("Weights file " + file + " has no layer " + e.layer() + " (" + what
                        + " needs its " + e.weight() + " " + shape + "; the file's layers: " + preview(layers.keySet())
                        + ")" + (hint.isEmpty() ? ": are these weights of another network? pass the matching --arch"
                        : hint));
            }
            StoredTensor t = find(layers, e.layer(), e.weight());
            if (t == null) {
                throw new WeightsException("Weights file " + file + ": layer " + e.layer() + " has no " + e.weight()
                        + " (" + what + " needs " + shape + "; it has " + layers.get(e.layer()).keySet() + ")");
            }
            if (!Arrays.equals(t.shape(), e.shape())) {
                throw new WeightsException("Weights file " + file + ": layer " + e.layer() + " " + e.weight()
                        + " is " + StoredTensor.format(t.shape()) + " in the file but " + what + " needs " + shape
                        + hint);
            }
        }
    }

    private static List<String> ignored(Map<String, Map<String, StoredTensor>> layers, Map<String, Expected> expected) {
        var used = expected.values().stream().map(Expected::layer).collect(Collectors.toSet());
        return layers.keySet().stream().filter(l -> !used.contains(l) && !layers.get(l).isEmpty()).toList();
    }

    private static String preview(java.util.Collection<String> names) {
        List<String> l = names.stream().limit(4).toList();
        return names.isEmpty() ? "none" : String.join(", ", l) + (names.size() > l.size() ? ", ..." : "");
    }

    /** Weights read from the file as the builder asks for them, each checked against its expected shape. */
    private static final class Imported implements NetBuilder.WeightSource {
        private final Map<String, Map<String, StoredTensor>> layers;
        private final Map<String, Expected> expected;
        private final String file;

        Imported(Map<String, Map<String, StoredTensor>> layers, Map<String, Expected> expected, String file) {
            this.layers = layers;
            this.expected = expected;
            this.file = file;
        }

        private float[] read(String layer, String weight) {
            Expected e = expected.get(layer + "/" + weight);
            if (e == null) {
                throw new IllegalStateException("no expected weight " + layer + "/" + weight);
            }
            StoredTensor t = find(layers, layer, weight);
            if (t == null || !Arrays.equals(t.shape(), e.shape())) { // checked before building: a bug if it happens
                throw new IllegalStateException("weight " + layer + "/" + weight + " was not checked");
            }
            float[] v = t.read();
            if (v.length != t.size()) {
                throw new WeightsException("Weights file " + file + ": " + t.path() + " holds " + v.length
                        + " values but its shape " + StoredTensor.format(t.shape()) + " needs " + t.size());
            }
            return v;
        }

        @Override
        public float[] kernel(ConvLayer layer) {
            return read(layer.name(), layer.depthwise() ? "depthwise_kernel" : "kernel");
        }

        @Override
        public float[] bias(ConvLayer layer) {
            return read(layer.name(), "bias");
        }

        @Override
        public float[][] batchNorm(ConvLayer layer) {
            String bn = MobileNetV2.batchNormName(layer.name());
            return new float[][] {read(bn, "gamma"), read(bn, "beta"), read(bn, "moving_mean"),
                read(bn, "moving_variance")};
        }
    }

    /** Refuses an output that is a file, or a non-empty folder that is not a SavedModel, before any work. */
    private static void checkOutput(Path out) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException("Cannot export a model to " + out + ": it is a file");
        }
        if (Files.isDirectory(out) && !Files.exists(out.resolve("saved_model.pb"))) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("Cannot export a model to " + out
                            + ": it is not empty and holds no SavedModel; pick an empty or new folder");
                }
            }
        }
    }

    /** Adds {"weights": {source, sha256, format, ...}} to orchard.json. */
    private static void writeProvenance(Path dir, Result r) throws IOException {
        Path file = dir.resolve(ModelMetadata.RELATIVE_PATH);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        ObjectNode w = root.putObject("weights");
        w.put("source", r.origin().file());
        w.put("sha256", r.origin().sha256());
        w.put("format", r.origin().format().label());
        if (!r.origin().otherFiles().isEmpty()) {
            ArrayNode shards = w.putArray("shards");
            r.origin().otherFiles().forEach(shards::add);
        }
        if (!Double.isNaN(r.alpha())) {
            w.put("alpha", r.alpha());
        }
        w.put("featureDim", r.featureDim());
        ArrayNode ignored = w.putArray("ignoredLayers");
        r.ignored().forEach(ignored::add);
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
}
