package dev.orchard.internal.model.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TensorFlow.js Layers model: {@code model.json}'s {@code weightsManifest} lists groups of weights, each
 * group's weights stored back to back (little-endian) across the group's shard files in order. A weight with a
 * {@code quantization} entry is stored as {@code uint8} or {@code uint16} {@code q} and means
 * {@code q * scale + min} (as {@code tensorflowjs_converter --quantize_uint8/uint16} writes it and TF.js reads
 * it), or as IEEE half floats ({@code float16}).
 */
final class TfjsWeights implements WeightFile.Contents {

    private final Map<String, Map<String, StoredTensor>> layers;
    private final List<String> shards;

    private TfjsWeights(Map<String, Map<String, StoredTensor>> layers, List<String> shards) {
        this.layers = layers;
        this.shards = shards;
    }

    static TfjsWeights open(Path modelJson) {
        JsonNode root;
        try {
            if (Files.size(modelJson) > WeightFile.MAX_METADATA_BYTES) {
                throw new WeightsException("TF.js model " + modelJson + " is larger than "
                        + WeightFile.MAX_METADATA_BYTES + " bytes: model.json holds only the topology and manifest");
            }
            root = new ObjectMapper().readTree(modelJson.toFile());
        } catch (IOException e) {
            throw new WeightsException("TF.js model " + modelJson + " is not valid JSON: " + H5Weights.oneLine(e), e);
        }
        JsonNode manifest = root == null ? null : root.get("weightsManifest");
        if (manifest == null || !manifest.isArray()) {
            throw new WeightsException("TF.js model " + modelJson + " has no weightsManifest: pass the model.json "
                    + "that tensorflowjs_converter or model.save() wrote");
        }
        Path dir = modelJson.getParent();
        String display = modelJson.toString();
        Map<String, Map<String, StoredTensor>> layers = new LinkedHashMap<>();
        List<String> shardNames = new ArrayList<>();
        for (JsonNode group : manifest) {
            List<Path> files = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            long stored = 0;
            for (JsonNode p : group.path("paths")) {
                String name = p.asText();
                Path shard = dir.resolve(name).normalize();
                if (name.isEmpty() || !shard.startsWith(dir) || name.contains("://")) {
                    throw new WeightsException("TF.js model " + display + " lists shard '" + name
                            + "' outside its folder: only shard files beside model.json are read");
                }
                if (!Files.isRegularFile(shard)) {
                    throw new WeightsException("TF.js model " + display + " lists shard " + name
                            + ", which is missing beside it: copy every file of the weightsManifest with model.json");
                }
                long size;
                try {
                    size = Files.size(shard);
                } catch (IOException e) {
                    throw new WeightsException("Cannot read TF.js shard " + shard + ": " + e.getMessage(), e);
                }
                files.add(shard);
                sizes.add(size);
                stored += size;
                shardNames.add(name);
            }
            Shards data = new Shards(files, sizes);
            long offset = 0;
            for (JsonNode w : group.path("weights")) {
                String name = w.path("name").asText("");
                long[] shape = shape(w.path("shape"), name, display);
                Encoding enc = Encoding.of(w, name, display);
                long count = count(shape, name, display);
                long bytes = count * enc.bytes;
                long at = offset;
                offset += bytes;
                if (offset > WeightFile.MAX_FILE_BYTES) {
                    throw new WeightsException("TF.js model " + display + " declares more than "
                            + WeightFile.MAX_FILE_BYTES + " bytes of weights");
                }
                StoredTensor t = new StoredTensor(name, shape) {
                    @Override
                    public float[] read() {
                        return enc.decode(data.read(at, (int) bytes, name, display), (int) count);
                    }
                };
                WeightFile.put(layers, WeightFile.layerOf(name), WeightFile.weightName(name), t, display);
            }
            if (offset != stored) {
                throw new WeightsException("TF.js model " + display + ": the shards " + shardNamesOf(group)
                        + " hold " + stored + " bytes but the manifest declares " + offset
                        + " (truncated or from another model?)");
            }
        }
        return new TfjsWeights(layers, WeightFile.copy(shardNames));
    }

    private static String shardNamesOf(JsonNode group) {
        List<String> names = new ArrayList<>();
        group.path("paths").forEach(p -> names.add(p.asText()));
        return names.toString();
    }

    private static long[] shape(JsonNode node, String name, String display) {
        if (!node.isArray() || node.size() > 8) {
            throw new WeightsException("TF.js model " + display + ": weight " + name + " has no valid shape");
        }
        long[] s = new long[node.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = node.get(i).asLong(-1);
        }
        return s;
    }

    private static long count(long[] shape, String name, String display) {
        long n = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && n > Integer.MAX_VALUE / d)) {
                throw new WeightsException("TF.js model " + display + ": weight " + name + " has shape "
                        + StoredTensor.format(shape) + ", larger than Orchard reads");
            }
            n *= d;
        }
        return n;
    }

    /** How a weight's values are stored. */
    private record Encoding(String dtype, int bytes, double min, double scale) {

        static Encoding of(JsonNode w, String name, String display) {
            String dtype = w.path("dtype").asText("float32");
            JsonNode q = w.get("quantization");
            if (!"float32".equals(dtype)) {
                throw new WeightsException("TF.js model " + display + ": weight " + name + " is " + dtype
                        + "; Orchard imports float32 weights (quantized or not)");
            }
            if (q == null) {
                return new Encoding("float32", 4, 0, 1);
            }
            String qt = q.path("dtype").asText("");
            return switch (qt) {
                case "uint8" -> new Encoding(qt, 1, q.path("min").asDouble(), q.path("scale").asDouble());
                case "uint16" -> new Encoding(qt, 2, q.path("min").asDouble(), q.path("scale").asDouble());
                case "float16" -> new Encoding(qt, 2, 0, 1);
                default -> throw new WeightsException("TF.js model " + display + ": weight " + name
                        + " is quantized as '" + qt + "'; Orchard reads uint8, uint16 and float16 quantization");
            };
        }

        /** Dequantizes as TF.js does: {@code q * scale + min} computed in double, stored as float32. */
        float[] decode(ByteBuffer b, int count) {
            b.order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[count];
            switch (dtype) {
                case "float32" -> b.asFloatBuffer().get(out);
                case "uint8" -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = (float) ((b.get(i) & 0xff) * scale + min);
                    }
                }
                case "uint16" -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = (float) ((b.getShort(2 * i) & 0xffff) * scale + min);
                    }
                }
                case "float16" -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = halfToFloat(b.getShort(2 * i));
                    }
                }
                default -> throw new AssertionError(dtype);
            }
            return out;
        }
    }

    /** IEEE 754 binary16 to float32 (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** One weight group's shards, read as one byte sequence. */
    private record Shards(List<Path> files, List<Long> sizes) {

        ByteBuffer read(long offset, int length, String name, String display) {
            ByteBuffer out = ByteBuffer.allocate(length);
            long start = 0;
            for (int i = 0; i < files.size() && out.hasRemaining(); i++) {
                long end = start + sizes.get(i);
                long pos = offset + out.position();
                if (pos < end) {
                    try (FileChannel ch = FileChannel.open(files.get(i), StandardOpenOption.READ)) {
                        long in = pos - start;
                        while (out.hasRemaining() && in < sizes.get(i)) {
                            int r = ch.read(out, in);
                            if (r < 0) {
                                break;
                            }
                            in += r;
                        }
                    } catch (IOException e) {
                        throw new WeightsException("Cannot read weight " + name + " of TF.js model " + display + ": "
                                + e.getMessage(), e);
                    }
                }
                start = end;
            }
            if (out.hasRemaining()) {
                throw new WeightsException("TF.js model " + display + ": weight " + name
                        + " runs past the end of its shards (truncated?)");
            }
            return out.flip();
        }
    }

    @Override
    public Map<String, Map<String, StoredTensor>> layers() {
        return layers;
    }

    @Override
    public List<String> otherFiles() {
        return shards;
    }

    @Override
    public void close() {
        // every shard read opens and closes its own channel
    }
}
