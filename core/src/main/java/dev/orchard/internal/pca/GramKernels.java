package dev.orchard.internal.pca;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the Gram kernel. System property {@value #PROPERTY} = {@code auto} (default), {@code java} or
 * {@code tensorflow}. {@code auto} uses TensorFlow for {@code d >= } {@value #TF_MIN_DIMENSION} and falls
 * back to pure Java when TensorFlow's native library does not load (with one warning per JVM).
 */
final class GramKernels {

    static final String PROPERTY = "orchard.pca.kernel";
    static final int TF_MIN_DIMENSION = 64;

    private static final Logger LOG = LoggerFactory.getLogger(GramKernels.class);
    private static volatile boolean tensorFlowBroken;

    private GramKernels() {}

    /** Opens the kernel for {@code d} columns; the caller closes it. */
    static GramKernel open(int d) {
        String choice = System.getProperty(PROPERTY, "auto");
        switch (choice) {
            case "java":
                return new JavaGramKernel();
            case "tensorflow":
                return TensorFlowGramKernel.open(d);
            case "auto":
                if (d < TF_MIN_DIMENSION || tensorFlowBroken) {
                    return new JavaGramKernel();
                }
                try {
                    return TensorFlowGramKernel.open(d);
                } catch (RuntimeException | LinkageError e) {
                    tensorFlowBroken = true;
                    LOG.warn("TensorFlow MatMul unavailable ({}); PCA moments use the pure-Java kernel", e.toString());
                    return new JavaGramKernel();
                }
            default:
                throw new IllegalArgumentException(PROPERTY + " must be auto, java or tensorflow, was " + choice);
        }
    }
}
