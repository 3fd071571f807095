package dev.orchard.internal.model.arch;

import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Builds a network with constant weights in a fresh graph, runs one batch and closes everything. */
final class InMemoryNet {

    /** What the test builds: a network body writing its weights into {@code weights}. */
    interface Body {
        Operand<TFloat32> build(Ops tf, Operand<TFloat32> images, Weights weights);
    }

    /** Outputs of one run and the floats the weights took. */
    record Run(float[][] features, long parameters) {}

    private InMemoryNet() {}

    static Run run(Body body, float[] nhwc, int n, int size) {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 3)));
            Weights w = Weights.constants();
            Operand<TFloat32> out = body.build(tf, in, w);
            try (Session s = new Session(g);
                 TFloat32 t = TFloat32.tensorOf(Shape.of(n, size, size, 3), DataBuffers.of(nhwc, true, false));
                 Result r = s.runner().feed(in, t).fetch(out).run()) {
                TFloat32 o = (TFloat32) r.get(0);
                int d = (int) o.shape().size(1);
                float[] flat = new float[n * d];
                o.copyTo(DataBuffers.of(flat, false, false));
                float[][] rows = new float[n][d];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(flat, i * d, rows[i], 0, d);
                }
                return new Run(rows, w.parameterCount());
            }
        }
    }

    /** {@code n} images of uniform floats in [lo, hi), seeded. */
    static float[] randomImages(long seed, int n, int size, float lo, float hi) {
        Random r = new Random(seed);
        float[] x = new float[n * size * size * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = lo + (hi - lo) * r.nextFloat();
        }
        return x;
    }

    /** max |a - b| over max |b|: the error relative to the output's scale. */
    static double relativeError(float[][] a, float[][] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
                scale = Math.max(scale, Math.abs(b[i][j]));
            }
        }
        return diff / Math.max(scale, Double.MIN_NORMAL);
    }
}
