package dev.orchard.internal.model;

import dev.orchard.ModelException;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Reads a SavedModel's {@code saved_model.pb} as a protocol buffer, without loading TensorFlow's
 * native runtime or the variables: enough to read signatures, cheap enough for the driver.
 */
final class SavedModelFiles {

    static final String SAVED_MODEL_PB = "saved_model.pb";
    static final String SERVE_TAG = "serve";

    private SavedModelFiles() {}

    /** Fails with a clear message unless {@code dir} holds a {@code saved_model.pb}. */
    static void requireSavedModel(Path dir) {
        if (!Files.exists(dir)) {
            throw new ModelException(dir.toString(), "Model directory " + dir
                    + " does not exist: pass --model a SavedModel directory (the folder holding saved_model.pb)");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir.toString(), "Model " + dir
                    + " is a file, not a directory: pass --model the SavedModel directory that holds saved_model.pb");
        }
        Path pb = dir.resolve(SAVED_MODEL_PB);
        if (!Files.isRegularFile(pb)) {
            throw new ModelException(dir.toString(), "No " + SAVED_MODEL_PB + " in " + dir
                    + ": pass --model a SavedModel directory (e.g. from tf.saved_model.save or make-model)");
        }
        if (!Files.isReadable(pb)) {
            throw new ModelException(dir.toString(), "Cannot read " + pb + ": check its file permissions");
        }
    }

    /** The meta graph tagged {@code serve}, the one serving signatures live in. */
    static MetaGraphDef readServeGraph(Path dir) {
        requireSavedModel(dir);
        Path pb = dir.resolve(SAVED_MODEL_PB);
        SavedModel model;
        try {
            model = SavedModel.parseFrom(Files.readAllBytes(pb));
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(dir.toString(), pb + " is not a valid SavedModel protocol buffer ("
                    + e.getMessage() + "): re-export the model", e);
        } catch (IOException e) {
            throw new ModelException(dir.toString(), "Cannot read " + pb + ": " + e.getMessage(), e);
        }
        List<String> seen = new ArrayList<>();
        for (MetaGraphDef mg : model.getMetaGraphsList()) {
            List<String> tags = mg.getMetaInfoDef().getTagsList();
            if (tags.contains(SERVE_TAG)) {
                return mg;
            }
            seen.add(tags.toString());
        }
        throw new ModelException(dir.toString(), "SavedModel " + dir + " has no meta graph tagged '" + SERVE_TAG
                + "' (it has " + seen + "): export it for serving");
    }

    /** Dimensions of a shape proto, -1 for unknown ones; {@code null} for unknown rank. */
    static long[] dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        long[] d = new long[shape.getDimCount()];
        for (int i = 0; i < d.length; i++) {
            long size = shape.getDim(i).getSize();
            d[i] = size < 0 ? -1 : size;
        }
        return d;
    }

    /** {@code [-1, 100, 100, 3]}, or {@code <unknown rank>}. */
    static String shapeString(long[] dims) {
        if (dims == null) {
            return "<unknown rank>";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return sb.append(']').toString();
    }
}
