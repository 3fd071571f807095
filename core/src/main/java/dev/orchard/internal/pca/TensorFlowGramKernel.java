package dev.orchard.internal.pca;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat64;

/**
 * Gram kernel on TensorFlow's CPU {@code MatMul} (Eigen's blocked, FMA-vectorized GEMM) in float64:
 * {@code G = X^T X} over the full square (twice the work of the triangle, still about 3× faster than the
 * pure-Java kernel on AVX2: ≈ 30 GFLOP/s per core). One intra-op thread, because Spark already runs one
 * task per core.
 *
 * <p>Owns a native {@link Graph} and {@link Session}: the code that {@linkplain #open opens} it closes it
 * (Pca closes it at the end of each partition). Not thread-safe.
 */
final class TensorFlowGramKernel implements GramKernel {

    private final int d;
    private final Graph graph;
    private final Session session;
    private final Placeholder<TFloat64> input;
    private final MatMul<TFloat64> product;

    private TensorFlowGramKernel(int d) {
        this.d = d;
        Graph g = new Graph();
        try {
            Ops tf = Ops.create(g);
            this.input = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, d)));
            this.product = tf.linalg.matMul(input, input, MatMul.transposeA(true));
            ConfigProto config = ConfigProto.newBuilder()
                    .setIntraOpParallelismThreads(1)
                    .setInterOpParallelismThreads(1)
                    .build();
            this.session = new Session(g, config);
            this.graph = g;
        } catch (RuntimeException | Error e) {
            g.close();
            throw e;
        }
    }

    /**
     * Opens a kernel for {@code d} columns.
     *
     * @throws UnsatisfiedLinkError or another {@link Error}/{@link RuntimeException} when TensorFlow's native
     *                              library cannot be loaded on this machine
     */
    static TensorFlowGramKernel open(int d) {
        return new TensorFlowGramKernel(d);
    }

    @Override
    public void gram(double[] x, int rows, int d, double[] g) {
        if (d != this.d) {
            throw new IllegalArgumentException("kernel opened for d=" + this.d + ", called with d=" + d);
        }
        try (TFloat64 t = TFloat64.tensorOf(Shape.of(rows, d), DataBuffers.of(x, true, false).narrow((long) rows * d));
             Result r = session.runner().feed(input, t).fetch(product).run()) {
            ((TFloat64) r.get(0)).asRawTensor().data().asDoubles().read(g, 0, d * d);
        }
    }

    @Override
    public String name() {
        return "tensorflow";
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            graph.close();
        }
    }
}
