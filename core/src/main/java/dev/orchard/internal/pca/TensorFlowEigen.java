package dev.orchard.internal.pca;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.SelfAdjointEig;
import org.tensorflow.types.TFloat64;

/**
 * Symmetric eigendecomposition with TensorFlow's {@code SelfAdjointEigV2} (Eigen's {@code SelfAdjointEigenSolver}:
 * Householder tridiagonalization + implicit symmetric QR, float64). Same algorithm family as EJML's, native code:
 * 1.5 s instead of 5.4 s at d = 1280, 16 s instead of 25–31 s at d = 2048 on the 2-core development machine.
 * Opens and closes its own graph and session per call.
 */
final class TensorFlowEigen {

    private TensorFlowEigen() {}

    /**
     * @param a d × d symmetric row-major matrix. Not modified.
     * @return eigenvalues ascending and eigenvectors as the columns of a d × d row-major array:
     *         {@code {values[d], vectors[d*d]}}
     */
    static double[][] decompose(double[] a, int d) {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat64> in = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(d, d)));
            SelfAdjointEig<TFloat64> eig = tf.linalg.selfAdjointEig(in, SelfAdjointEig.computeV(true));
            try (Session s = new Session(g);
                 TFloat64 t = TFloat64.tensorOf(Shape.of(d, d), DataBuffers.of(a, true, false));
                 Result r = s.runner().feed(in, t).fetch(eig.e()).fetch(eig.v()).run()) {
                double[] values = new double[d];
                double[] vectors = new double[d * d];
                ((TFloat64) r.get(0)).asRawTensor().data().asDoubles().read(values);
                ((TFloat64) r.get(1)).asRawTensor().data().asDoubles().read(vectors);
                return new double[][] {values, vectors};
            }
        }
    }
}
