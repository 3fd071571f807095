package dev.orchard.internal.pca;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether {@link VectorSymm} (the Vector API product) can run in this JVM, and its warm-up. It can when the JVM was
 * started with {@code --add-modules jdk.incubator.vector} (an incubator module in JDK 17: not resolved otherwise),
 * the CPU's preferred double vectors have 4 or 8 lanes (AVX2, AVX-512), and the system property
 * {@value #DISABLE_PROPERTY} is not {@code false} (read at each fit).
 *
 * <p><b>Warm-up.</b> Until C2 has compiled the kernel every vector operation allocates: a first product at
 * d = 4096 took 1.9 s instead of 10 ms. So the kernel is first run on a small matrix in a daemon thread
 * ({@link #startWarmUp}) until a call is fast (≈ 0.15 CPU-s and 0.27 s wall measured), and the caller uses its
 * other product until then ({@link DenseOps#symm}). Thread-safe.
 */
final class VectorProducts {

    /** System property: {@code false} keeps the BLAS or Java products even where the Vector API is present. */
    static final String DISABLE_PROPERTY = "orchard.pca.vectorProducts";

    /** Side of the warm-up matrix: not a multiple of 4, so the kernels' remainder rows are compiled too. */
    static final int WARM_UP_D = 67;
    /** A compiled warm-up call takes microseconds (≈ 2·67²·16 flops); an interpreted one, hundreds. */
    static final long WARM_CALL_NANOS = 80_000;
    /** Give up (and keep the other products) when the kernel is not compiled after this long. */
    static final long WARM_UP_LIMIT_NANOS = 10_000_000_000L;

    enum State { UNAVAILABLE, COLD, WARMING, WARM, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(VectorProducts.class);
    private static final AtomicReference<State> STATE = new AtomicReference<>(State.COLD);
    private static final int LANES;
    private static final String WHY_NOT;

    static {
        int lanes = 0;
        String why = null;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "the JVM was started without --add-modules jdk.incubator.vector";
        } else {
            try {
                lanes = VectorSymm.preferredLanes();
                if (lanes != 4 && lanes != 8) {
                    why = "the CPU's double vectors have " + lanes + " lanes (4 or 8 needed: AVX2 or AVX-512)";
                }
            } catch (LinkageError | RuntimeException e) {
                why = "the Vector API did not load: " + e;
            }
        }
        LANES = why == null ? lanes : 0;
        WHY_NOT = why;
        if (why != null) {
            STATE.set(State.UNAVAILABLE);
        }
    }

    private VectorProducts() {
    }

    /** True when the kernel can run here (it may still be cold) and is not turned off by the system property. */
    static boolean available() {
        return STATE.get() != State.UNAVAILABLE && !disabled();
    }

    /** {@value #DISABLE_PROPERTY} {@code = false}, read at each call (a benchmark may switch it between fits). */
    private static boolean disabled() {
        return "false".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY, "true"));
    }

    /** True once the kernel is compiled: products on it are fast. */
    static boolean warm() {
        return STATE.get() == State.WARM;
    }

    /** The kernel's lanes (8: AVX-512, 4: AVX2); 0 when unavailable. */
    static int lanes() {
        return LANES;
    }

    /** One line: the state, or why the Vector API products are not used. */
    static String describe() {
        State s = STATE.get();
        if (s != State.UNAVAILABLE && disabled()) {
            return "no Vector API products: -D" + DISABLE_PROPERTY + "=false";
        }
        return s == State.UNAVAILABLE ? "no Vector API products: " + WHY_NOT
                : "Vector API products (" + LANES + " lanes): " + s.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Starts the warm-up in a daemon thread, once per JVM; nothing when unavailable, warm or already started. */
    static void startWarmUp() {
        if (STATE.compareAndSet(State.COLD, State.WARMING)) {
            Thread t = new Thread(VectorProducts::warmUp, "orchard-vector-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Warms up in this thread (or waits for a warm-up already running) and returns whether the kernel is warm:
     * tests, and callers that are about to do many products anyway.
     */
    static boolean warmUpNow() {
        if (STATE.compareAndSet(State.COLD, State.WARMING)) {
            warmUp();
        }
        long deadline = System.nanoTime() + WARM_UP_LIMIT_NANOS;
        while (STATE.get() == State.WARMING && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return warm();
    }

    private static void warmUp() {
        int d = WARM_UP_D;
        double[] c = new double[d * d];
        double[] x = new double[d * VectorSymm.PANEL];
        for (int i = 0; i < c.length; i++) {
            c[i] = (i % 7) - 3;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 5) - 2;
        }
        double[] y = new double[x.length];
        long start = System.nanoTime();
        int calls = 0;
        try {
            while (System.nanoTime() - start < WARM_UP_LIMIT_NANOS) {
                long t0 = System.nanoTime();
                VectorSymm.product(c, d, x, 1, y, LANES);
                calls++;
                if (System.nanoTime() - t0 < WARM_CALL_NANOS) {
                    STATE.set(State.WARM);
                    LOG.debug("Vector API products warm after {} calls, {} ms", calls,
                            (System.nanoTime() - start) / 1_000_000);
                    return;
                }
            }
            LOG.info("Vector API products not compiled after {} s ({} calls): keeping the other products",
                    WARM_UP_LIMIT_NANOS / 1_000_000_000L, calls);
        } catch (RuntimeException | LinkageError e) {
            LOG.info("Vector API products failed to run ({}): keeping the other products", e.toString());
        }
        STATE.set(State.FAILED);
    }
}
