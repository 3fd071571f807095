package dev.orchard.internal.model.arch;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Where a network builder puts its weights, and a count of how many floats it put there.
 *
 * <ul>
 *   <li>{@link #constants()}: graph constants, for in-memory graphs (tests, benchmarks).</li>
 *   <li>{@link #fedVariables(Session)}: {@code VariableV2} ops assigned at once through a fed
 *       placeholder in the given session, so that {@code SavedModelBundle.Exporter} saves them to
 *       {@code variables/} while {@code saved_model.pb} stays small (no copy of the weights in the
 *       graph: VGG16's 537 MB are written once, and a package of it stays under
 *       {@code ModelPackage.MAX_PACKED_BYTES}). Each value array may be dropped as soon as
 *       {@link #create} returns, so building never holds more than one layer's weights on the heap.</li>
 * </ul>
 *
 * Not thread-safe: one builder at a time.
 */
abstract class Weights {

    private long count;

    /**
     * A float32 operand of {@code shape} holding {@code values} (row-major).
     *
     * @param tf     scope to name it in; {@code name} is appended
     * @param values as many floats as the shape holds (Not modified)
     */
    final Operand<TFloat32> create(Ops tf, String name, float[] values, long... shape) {
        Shape s = Shape.of(shape);
        if (s.size() != values.length) {
            throw new IllegalArgumentException("weights '" + name + "' of shape " + s + " need " + s.size()
                    + " values but got " + values.length);
        }
        count += values.length;
        return make(tf, name, values, s);
    }

    /** Floats created so far. */
    final long parameterCount() {
        return count;
    }

    abstract Operand<TFloat32> make(Ops tf, String name, float[] values, Shape shape);

    static Weights constants() {
        return new Weights() {
            @Override
            Operand<TFloat32> make(Ops tf, String name, float[] values, Shape shape) {
                return tf.withName(name).constant(shape, DataBuffers.of(values, true, false));
            }
        };
    }

    /**
     * Variables in {@code session}'s graph, assigned right away.
     *
     * @param session a session on the graph being built; it must stay open while building
     */
    static Weights fedVariables(Session session) {
        Objects.requireNonNull(session, "session");
        return new Weights() {
            @Override
            Operand<TFloat32> make(Ops tf, String name, float[] values, Shape shape) {
                Variable<TFloat32> v = tf.withName(name).variable(shape, TFloat32.class);
                Placeholder<TFloat32> value = tf.withName(name + "_value")
                        .placeholder(TFloat32.class, Placeholder.shape(shape));
                Assign<TFloat32> assign = tf.withName(name + "_assign").assign(v, value);
                try (TFloat32 t = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
                     Result ignored = session.runner().feed(value, t).addTarget(assign).run()) {
                    return v;
                }
            }
        };
    }
}
