package dev.orchard.internal.model.arch;

import dev.orchard.internal.model.ModelMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Exports a network whose weights go through {@link Weights#fedVariables}: the same SavedModel
 * layout, signature and metadata as {@link ModelExporter}, but without a constant copy of every
 * weight in {@code saved_model.pb} (which would double VGG16's 537 MB).
 */
final class ArchExporter {

    /** The body of a network, given where to put its weights. */
    @FunctionalInterface
    interface WeightedNetwork {
        /**
         * @param images float32 {@code [batch, size, size, 3]}, already preprocessed
         * @return float32 {@code [batch, d]}
         */
        Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, Weights weights);
    }

    private ArchExporter() {}

    /**
     * Builds {@code network} and exports it into {@code outputDir} (a new or empty folder, or an
     * earlier SavedModel export, which is replaced).
     *
     * @return floats exported as weights
     * @throws IOException if the folder holds something other than a SavedModel, or writing fails
     */
    static long export(Path outputDir, ModelMetadata metadata, WeightedNetwork network) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(network, "network");
        Path dir = outputDir.toAbsolutePath().normalize();
        ModelExporter.prepare(dir);
        int size = metadata.imageSize();
        long count;
        try (Graph g = new Graph(); Session session = new Session(g)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> input = tf.withName(ModelExporter.INPUT_KEY)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 3)));
            Weights weights = Weights.fedVariables(session);
            Operand<TFloat32> features = tf.withName(ModelExporter.OUTPUT_KEY)
                    .identity(network.build(tf, input, weights));
            count = weights.parameterCount();
            Signature signature = Signature.builder()
                    .key(ModelExporter.SIGNATURE_KEY)
                    .input(ModelExporter.INPUT_KEY, input)
                    .output(ModelExporter.OUTPUT_KEY, features)
                    .build();
            SavedModelBundle.exporter(dir.toString())
                    .withFunction(SessionFunction.create(signature, session))
                    .export();
        }
        metadata.writeTo(dir);
        return count;
    }
}
