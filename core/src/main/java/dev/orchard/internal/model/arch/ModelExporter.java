package dev.orchard.internal.model.arch;

import dev.orchard.internal.model.ModelMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Builds a feature-extractor graph with TensorFlow Java's {@link Ops} and exports it as a
 * SavedModel that Orchard (or TensorFlow Serving, or Python) loads like any other: tag
 * {@code serve}, signature {@value #SIGNATURE_KEY} with input {@value #INPUT_KEY}
 * ({@code [-1, size, size, 3]} float32) and output {@value #OUTPUT_KEY} ({@code [-1, d]} float32),
 * plus {@link ModelMetadata} in {@code assets.extra/orchard.json}.
 *
 * <p><b>Weights are variables.</b> {@code SavedModelBundle.Exporter} saves the values of
 * {@code VariableV2} ops (what {@link Ops#variable(Operand)} creates, initialized from a constant)
 * into {@code variables/}, and loading restores them from there: the same restore path a
 * Keras-exported model takes, so the sample model exercises it. (Only-constant graphs also load,
 * but then the loading code's variable restore would go untested.) The initial-value constants
 * stay in the graph too, so {@code saved_model.pb} is about as large as the weights; fine for the
 * small models built here.
 */
public final class ModelExporter {

    public static final String SIGNATURE_KEY = "serving_default";
    public static final String INPUT_KEY = "input";
    public static final String OUTPUT_KEY = "features";

    /** The body of a network: images in, one feature vector per image out. */
    @FunctionalInterface
    public interface Network {
        /**
         * @param tf     ops builder on the graph being exported
         * @param images float32 {@code [batch, size, size, 3]}, already preprocessed
         * @return float32 {@code [batch, d]}
         */
        Operand<TFloat32> build(Ops tf, Operand<TFloat32> images);
    }

    private ModelExporter() {}

    /**
     * Builds {@code network} and exports it as a SavedModel into {@code outputDir}.
     *
     * @param outputDir a new or empty folder, or an earlier SavedModel export (replaced)
     * @param metadata  architecture, preprocessing and square input size, written beside the model
     * @throws IOException if the folder holds something other than a SavedModel, or writing fails
     */
    public static void export(Path outputDir, ModelMetadata metadata, Network network) throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(network, "network");
        Path dir = outputDir.toAbsolutePath().normalize();
        prepare(dir);
        int size = metadata.imageSize();
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> input = tf.withName(INPUT_KEY)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 3)));
            Operand<TFloat32> body = network.build(tf, input);
            Operand<TFloat32> features = tf.withName(OUTPUT_KEY).identity(body);
            Signature signature = Signature.builder()
                    .key(SIGNATURE_KEY)
                    .input(INPUT_KEY, input)
                    .output(OUTPUT_KEY, features)
                    .build();
            try (Session session = new Session(g)) {
                session.initialize(); // runs the variables' initializers, so their values are saved
                SavedModelBundle.exporter(dir.toString())
                        .withFunction(SessionFunction.create(signature, session))
                        .export();
            }
        }
        metadata.writeTo(dir);
    }

    /**
     * A weight variable named {@code name} holding {@code values} in the given shape (row-major).
     *
     * @param values initial values, as many as the shape holds (Not modified)
     */
    public static Operand<TFloat32> weights(Ops tf, String name, float[] values, long... shape) {
        Shape s = Shape.of(shape);
        if (s.size() != values.length) {
            throw new IllegalArgumentException("weights '" + name + "' of shape " + s + " need " + s.size()
                    + " values but got " + values.length);
        }
        return tf.withName(name).variable(tf.constant(s, DataBuffers.of(values, true, true)));
    }

    /**
     * He (Kaiming) normal initialization: {@code count} draws from N(0, 2 / fanIn), right for ReLU
     * layers.
     *
     * @param random source of randomness, advanced {@code count} draws (Modified)
     */
    public static float[] heNormal(Random random, int fanIn, int count) {
        if (fanIn < 1) {
            throw new IllegalArgumentException("fanIn must be >= 1 but was " + fanIn);
        }
        double std = Math.sqrt(2.0 / fanIn);
        float[] w = new float[count];
        for (int i = 0; i < count; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return w;
    }

    /** {@code count} draws from N(0, std²). */
    public static float[] normal(Random random, double std, int count) {
        float[] w = new float[count];
        for (int i = 0; i < count; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return w;
    }

    static void prepare(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("Cannot export a model to " + dir + ": it is a file");
        }
        Files.createDirectories(dir);
        String[] names;
        try (Stream<Path> list = Files.list(dir)) {
            names = list.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
        if (names.length == 0) {
            return;
        }
        if (!Arrays.asList(names).contains("saved_model.pb")) {
            throw new IOException("Cannot export a model to " + dir + ": it is not empty and holds no SavedModel "
                    + Arrays.toString(names) + "; pick an empty or new folder");
        }
        for (String old : new String[] {"saved_model.pb", "variables", "assets", "assets.extra"}) {
            deleteRecursively(dir.resolve(old));
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
