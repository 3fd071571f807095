package dev.orchard.internal.model;

import dev.orchard.ModelException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Works out the {@link ModelSpec} of a SavedModel: explicit overrides first, then the signature,
 * then {@link ModelMetadata}, then defaults (MobileNetV2 preprocessing, the usual Keras export).
 */
final class SpecResolver {

    static final String DEFAULT_SIGNATURE = "serving_default";

    private SpecResolver() {}

    /** An input or output chosen from a signature (or named directly as a graph tensor). */
    record Chosen(String key, String tensorName, DataType dtype, long[] dims) {}

    static ModelSpec resolve(Path dir, ModelOverrides overrides) {
        ModelOverrides o = overrides == null ? ModelOverrides.none() : overrides;
        MetaGraphDef graph = SavedModelFiles.readServeGraph(dir);
        Optional<ModelMetadata> meta = ModelMetadata.readFrom(dir);
        String key = o.signatureKey() != null ? o.signatureKey() : DEFAULT_SIGNATURE;
        SignatureDef sig = graph.getSignatureDefMap().get(key);
        if (sig == null) {
            throw new ModelException(dir.toString(), "SavedModel " + dir + " has no signature '" + key
                    + "'; it has " + new TreeSet<>(graph.getSignatureDefMap().keySet())
                    + ": pass --signature with one of them");
        }
        Chosen in = choose(dir, graph, key, "input", sig.getInputsMap(), o.inputTensor(), "--input-tensor");
        Chosen out = choose(dir, graph, key, "output", sig.getOutputsMap(), o.outputTensor(), "--output-tensor");

        if (in.dtype() != null && in.dtype() != DataType.DT_FLOAT) {
            throw new ModelException(dir.toString(), "Input '" + in.key() + "' of " + dir + " is " + in.dtype()
                    + ", but Orchard feeds float32 images: pick a float input with --input-tensor");
        }
        long[] id = in.dims();
        if (id != null && (id.length != 4 || (id[3] != -1 && id[3] != 3))) {
            throw new ModelException(dir.toString(), "Input '" + in.key() + "' of " + dir + " has shape "
                    + SavedModelFiles.shapeString(id) + ", but Orchard feeds RGB images [batch, height, width, 3]"
                    + ": pick an image input with --input-tensor");
        }
        int h;
        int w;
        if (o.imageSize() != null) {
            h = o.imageSize();
            w = o.imageSize();
        } else if (id != null && id[1] > 0 && id[2] > 0) {
            h = checkedSize(dir, id[1]);
            w = checkedSize(dir, id[2]);
        } else if (meta.isPresent()) {
            h = meta.get().imageSize();
            w = meta.get().imageSize();
        } else {
            throw new ModelException(dir.toString(), "Input '" + in.key() + "' of " + dir + " has shape "
                    + SavedModelFiles.shapeString(id) + " with unknown height/width: pass --image-size N "
                    + "(e.g. 224 for MobileNetV2 and VGG16)");
        }
        Preprocessing p = o.preprocessing() != null ? o.preprocessing()
                : meta.map(ModelMetadata::preprocessing).orElse(Preprocessing.MOBILENET_V2);

        long[] od = out.dims();
        if (out.dtype() != null && out.dtype() != DataType.DT_FLOAT) {
            throw new ModelException(dir.toString(), "Output '" + out.key() + "' of " + dir + " is " + out.dtype()
                    + ", but Orchard reads float32 features: pick a float output with --output-tensor");
        }
        if (od != null && od.length != 2) {
            throw new ModelException(dir.toString(), "Output '" + out.key() + "' of " + dir + " has shape "
                    + SavedModelFiles.shapeString(od) + ", but Orchard needs one vector per image [batch, d]"
                    + ": export the model with global pooling (Keras: include_top=False, pooling='avg') "
                    + "or pick another output with --output-tensor");
        }
        int d;
        if (od != null && od[1] > 0) {
            d = checkedDim(dir, od[1]);
        } else {
            d = LoadedModel.probeFeatureDim(dir, in.tensorName(), out.tensorName(), h, w);
        }
        return new ModelSpec(key, in.tensorName(), out.tensorName(), h, w, d, p);
    }

    private static Chosen choose(Path dir, MetaGraphDef graph, String sigKey, String what,
                                 Map<String, TensorInfo> entries, String override, String flag) {
        if (override == null) {
            if (entries.size() == 1) {
                Map.Entry<String, TensorInfo> e = entries.entrySet().iterator().next();
                return chosen(e.getKey(), e.getValue());
            }
            throw new ModelException(dir.toString(), "Signature '" + sigKey + "' of " + dir + " has "
                    + entries.size() + " " + what + "s " + new TreeSet<>(entries.keySet()) + ": pass " + flag
                    + " to pick one");
        }
        TensorInfo byKey = entries.get(override);
        if (byKey != null) {
            return chosen(override, byKey);
        }
        for (Map.Entry<String, TensorInfo> e : entries.entrySet()) {
            String name = e.getValue().getName();
            if (name.equals(override) || name.equals(override + ":0")) {
                return chosen(e.getKey(), e.getValue());
            }
        }
        // A graph tensor outside the signature: its operation must be a node of the graph; its
        // shape is not recorded, so it is found by running the model.
        String tensor = override.contains(":") ? override : override + ":0";
        String op = tensor.substring(0, tensor.lastIndexOf(':'));
        boolean exists = graph.getGraphDef().getNodeList().stream().anyMatch(n -> n.getName().equals(op));
        if (!exists) {
            throw new ModelException(dir.toString(), "No " + what + " '" + override + "' in " + dir
                    + ": signature '" + sigKey + "' has " + what + "s " + new TreeSet<>(entries.keySet())
                    + " and the graph has no operation '" + op + "'; fix " + flag
                    + " (see inspect-model)");
        }
        return new Chosen(override, tensor, null, null);
    }

    private static Chosen chosen(String key, TensorInfo info) {
        long[] dims = info.hasTensorShape() ? SavedModelFiles.dims(info.getTensorShape()) : null;
        return new Chosen(key, info.getName(), info.getDtype(), dims);
    }

    private static int checkedSize(Path dir, long v) {
        if (v > ModelOverrides.MAX_IMAGE_SIZE) {
            throw new ModelException(dir.toString(), "Input size " + v + " of " + dir + " exceeds "
                    + ModelOverrides.MAX_IMAGE_SIZE + ": pass --image-size");
        }
        return (int) v;
    }

    private static int checkedDim(Path dir, long v) {
        if (v > Integer.MAX_VALUE / 8) {
            throw new ModelException(dir.toString(), "Feature dimension " + v + " of " + dir + " is too large");
        }
        return (int) v;
    }
}
