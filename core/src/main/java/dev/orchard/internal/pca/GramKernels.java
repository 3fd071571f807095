package dev.orchard.internal.pca;

import dev.orchard.PcaOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the Gram kernel a fit asked for ({@link PcaOptions#kernel()}), falling back when it cannot run here:
 * {@code BLAS} → TensorFlow (d ≥ {@value #TF_MIN_DIMENSION}) → Java; {@code TENSORFLOW} → Java. {@code AUTO} is
 * the same chain without a warning for a missing native BLAS (the common case on a stock cluster).
 * Every fallback is logged at WARN (once per JVM and reason) and reported through {@link Opened#fallback()}.
 */
public final class GramKernels {

    static final int TF_MIN_DIMENSION = 64;

    private static final Logger LOG = LoggerFactory.getLogger(GramKernels.class);
    private static volatile String tensorFlowBroken;
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private GramKernels() {}

    /** A kernel, and why it is not the one asked for (null when it is). */
    public record Opened(GramKernel kernel, String fallback) {}

    /** Opens the kernel for {@code d} columns; the caller closes it. */
    public static Opened open(int d, PcaOptions.Kernel choice) {
        switch (choice) {
            case JAVA:
                return new Opened(new JavaGramKernel(), null);
            case TENSORFLOW: {
                Opened tf = tensorFlow(d);
                return tf.kernel() != null ? tf : java("TENSORFLOW", tf.fallback());
            }
            case BLAS:
            case AUTO: {
                String why;
                try {
                    return new Opened(BlasGramKernel.open(), null);
                } catch (UnsupportedOperationException | LinkageError e) {
                    why = e.getMessage();
                }
                String blasFallback = choice == PcaOptions.Kernel.BLAS ? warn("Gram kernel BLAS unavailable (" + why
                        + ")") : null;
                if (d >= TF_MIN_DIMENSION) {
                    Opened tf = tensorFlow(d);
                    if (tf.kernel() != null) {
                        return new Opened(tf.kernel(), blasFallback == null ? null : blasFallback + " -> tensorflow");
                    }
                    return java(choice.name(), (blasFallback == null ? "" : blasFallback + "; ") + tf.fallback());
                }
                return new Opened(new JavaGramKernel(), blasFallback == null ? null : blasFallback + " -> java");
            }
            default:
                throw new IllegalArgumentException("unknown Gram kernel " + choice);
        }
    }

    private static Opened tensorFlow(int d) {
        if (tensorFlowBroken != null) {
            return new Opened(null, tensorFlowBroken);
        }
        try {
            return new Opened(TensorFlowGramKernel.open(d), null);
        } catch (RuntimeException | LinkageError e) {
            tensorFlowBroken = "TensorFlow MatMul unavailable (" + e + ")";
            return new Opened(null, tensorFlowBroken);
        }
    }

    private static Opened java(String asked, String why) {
        return new Opened(new JavaGramKernel(), warn("Gram kernel " + asked + ": " + why + " -> java"));
    }

    private static String warn(String message) {
        if (WARNED.add(message)) {
            LOG.warn("PCA moments: {}", message);
        }
        return message;
    }
}
