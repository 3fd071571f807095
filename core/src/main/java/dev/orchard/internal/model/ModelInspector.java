package dev.orchard.internal.model;

import dev.orchard.ModelException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Human-readable description of a SavedModel: every serving signature with its inputs and outputs
 * (key, graph tensor, dtype, shape), then the {@link ModelSpec} Orchard would use, or why it cannot
 * pick one. What {@code orchard inspect-model} prints.
 */
public final class ModelInspector {

    private ModelInspector() {}

    /** Describes the model with no overrides. */
    public static String describe(Path savedModelDir) {
        return describe(savedModelDir, ModelOverrides.none());
    }

    /**
     * Describes the model and the spec Orchard would use with these overrides.
     *
     * @throws ModelException if there is no readable SavedModel at {@code savedModelDir}
     */
    public static String describe(Path savedModelDir, ModelOverrides overrides) {
        Path dir = savedModelDir.toAbsolutePath().normalize();
        MetaGraphDef graph = SavedModelFiles.readServeGraph(dir);
        StringBuilder sb = new StringBuilder();
        sb.append("SavedModel ").append(dir).append('\n');
        sb.append("  tags: ").append(graph.getMetaInfoDef().getTagsList()).append('\n');
        ModelMetadata.readFrom(dir).ifPresentOrElse(
                m -> sb.append("  ").append(ModelMetadata.RELATIVE_PATH).append(": arch=").append(m.arch())
                        .append(", preprocessing=").append(m.preprocessing().flagName())
                        .append(", imageSize=").append(m.imageSize()).append('\n'),
                () -> sb.append("  ").append(ModelMetadata.RELATIVE_PATH).append(": none (not made by Orchard)\n"));
        Map<String, SignatureDef> sigs = new TreeMap<>(graph.getSignatureDefMap());
        sb.append("  signatures: ").append(sigs.size()).append('\n');
        for (Map.Entry<String, SignatureDef> s : sigs.entrySet()) {
            sb.append("  signature '").append(s.getKey()).append("'");
            if (!s.getValue().getMethodName().isEmpty()) {
                sb.append(" (").append(s.getValue().getMethodName()).append(')');
            }
            sb.append('\n');
            appendTensors(sb, "input ", s.getValue().getInputsMap());
            appendTensors(sb, "output", s.getValue().getOutputsMap());
        }
        sb.append("Orchard would use:\n");
        try {
            ModelSpec spec = SpecResolver.resolve(dir, overrides);
            sb.append("  signature:     ").append(spec.signatureKey()).append('\n')
              .append("  input tensor:  ").append(spec.inputTensor()).append('\n')
              .append("  output tensor: ").append(spec.outputTensor()).append('\n')
              .append("  image size:    ").append(spec.imageHeight()).append('x').append(spec.imageWidth()).append('\n')
              .append("  feature dim:   ").append(spec.featureDim()).append('\n')
              .append("  preprocessing: ").append(spec.preprocessing().flagName()).append('\n');
        } catch (ModelException e) {
            sb.append("  nothing yet: ").append(e.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static void appendTensors(StringBuilder sb, String kind, Map<String, TensorInfo> tensors) {
        for (Map.Entry<String, TensorInfo> t : new TreeMap<>(tensors).entrySet()) {
            TensorInfo info = t.getValue();
            long[] dims = info.hasTensorShape() ? SavedModelFiles.dims(info.getTensorShape()) : null;
            sb.append("    ").append(kind).append(" '").append(t.getKey()).append("': tensor ")
              .append(info.getName()).append(", ").append(info.getDtype()).append(", shape ")
              .append(SavedModelFiles.shapeString(dims)).append('\n');
        }
    }
}
