package dev.orchard;

import java.util.Objects;

/**
 * How many principal components to keep, whether to standardize first, and which numerical kernels fit them.
 *
 * <p>Exactly one of {@code k > 0} (a fixed number of components) or {@code 0 < varianceFraction <= 1}
 * (the smallest k whose explained-variance ratios sum to at least the fraction) is set; the other is 0.
 *
 * <p>The kernels change the speed of the fit, not its result (beyond rounding: every choice is tested against the
 * others). {@link Eigensolver#AUTO} and {@link Kernel#AUTO} pick the fastest that this machine has; an explicit
 * choice that cannot run here falls back (logged at WARN and recorded in {@link PcaModel#fitInfo()}), so a job never
 * fails for a missing native library.
 *
 * @param k                fixed number of components, or 0 when choosing by variance
 * @param varianceFraction target cumulative explained-variance ratio in (0, 1], or 0 when k is fixed
 * @param standardize      scale every feature to unit sample variance before PCA (a feature with zero
 *                         variance keeps scale 1)
 * @param eigensolver      the driver's eigensolver (default {@link Eigensolver#AUTO})
 * @param kernel           the executors' Gram (co-moment) kernel (default {@link Kernel#AUTO})
 */
public record PcaOptions(int k, double varianceFraction, boolean standardize, Eigensolver eigensolver,
                         Kernel kernel) {

    /** The driver's eigensolver for the d × d covariance. */
    public enum Eigensolver {
        /**
         * {@link #TOP_K} when only a few leading components are needed (k ≤ d / 8, or, by {@code varianceFraction},
         * when the covariance's effective rank trace² / ‖C‖²_F is at most d / 16 and until more than d / 16 are
         * proven necessary; for d ≥ 256), otherwise {@link #FULL}. Measured crossover ({@code benchmarks/README.md},
         * 2-core machine, one OpenBLAS thread): at d = 4096, k = 50 on a slowly decaying spectrum the top-k solver
         * took 2.1 s against 10.6–11.4 s for LAPACK {@code dsyevd} (≈ 5×) and 122 s for TensorFlow's full solver; at
         * d = 1280, k = 50 it is only ≈ 1.4× faster than {@code dsyevd}, i.e. near the crossover when a native
         * LAPACK is present, and well ahead of TensorFlow/EJML when it is not.
         */
        AUTO,
        /**
         * Only the leading eigenpairs: block Krylov (block Lanczos with full reorthogonalization, Rayleigh–Ritz and
         * thick restarts) on the covariance, converged on residual norms; O(d² k) per pass instead of O(d³).
         * Falls back to {@link #FULL} when it does not converge, or when {@code varianceFraction} needs more than
         * d / 2 components.
         */
        TOP_K,
        /** All d eigenpairs with the fastest full solver here: {@link #LAPACK}, else {@link #TENSORFLOW} (d ≥ 256), else {@link #EJML}. */
        FULL,
        /** Full decomposition with the native LAPACK's {@code dsyevd} (OpenBLAS); falls back to {@link #EJML}. */
        LAPACK,
        /** Full decomposition with TensorFlow's {@code SelfAdjointEigV2}; falls back to {@link #EJML}. */
        TENSORFLOW,
        /** Full decomposition with EJML (pure Java, always available). */
        EJML
    }

    /** The kernel of the executors' one pass: the Gram product {@code X^T X} of each block of rows. */
    public enum Kernel {
        /** {@link #BLAS} when an optimized native BLAS is loaded, else {@link #TENSORFLOW} (d ≥ 64), else {@link #JAVA}. */
        AUTO,
        /** The native BLAS's {@code dsyrk} (OpenBLAS, MKL, ...); falls back like {@link #AUTO} when there is none. */
        BLAS,
        /** TensorFlow's float64 {@code MatMul}; falls back to {@link #JAVA} when TensorFlow does not load. */
        TENSORFLOW,
        /** A cache-blocked pure-Java kernel (always available). */
        JAVA
    }

    public PcaOptions {
        boolean byK = k > 0;
        boolean byFraction = varianceFraction > 0 && varianceFraction <= 1;
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        if (Double.isNaN(varianceFraction) || varianceFraction < 0 || varianceFraction > 1) {
            throw new IllegalArgumentException("varianceFraction must be in (0, 1], was " + varianceFraction);
        }
        if (byK == byFraction) {
            throw new IllegalArgumentException("set exactly one of k > 0 or 0 < varianceFraction <= 1; was k="
                    + k + ", varianceFraction=" + varianceFraction);
        }
        Objects.requireNonNull(eigensolver, "eigensolver");
        Objects.requireNonNull(kernel, "kernel");
    }

    /** Options with the automatic eigensolver and kernel. */
    public PcaOptions(int k, double varianceFraction, boolean standardize) {
        this(k, varianceFraction, standardize, Eigensolver.AUTO, Kernel.AUTO);
    }

    /** Keep exactly {@code k} components ({@code k >= 1}). */
    public static PcaOptions fixedK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        return new PcaOptions(k, 0, false);
    }

    /** Keep the smallest k whose cumulative explained-variance ratio reaches {@code fraction} (in (0, 1]). */
    public static PcaOptions variance(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("variance fraction must be in (0, 1], was " + fraction);
        }
        return new PcaOptions(0, fraction, false);
    }

    /** The same options with standardization on or off. */
    public PcaOptions withStandardize(boolean on) {
        return new PcaOptions(k, varianceFraction, on, eigensolver, kernel);
    }

    /** The same options keeping exactly {@code k} components instead ({@code k >= 1}). */
    public PcaOptions withK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        return new PcaOptions(k, 0, standardize, eigensolver, kernel);
    }

    /** The same options with another driver eigensolver. */
    public PcaOptions withEigensolver(Eigensolver solver) {
        return new PcaOptions(k, varianceFraction, standardize, solver, kernel);
    }

    /** The same options with another Gram kernel for the executors. */
    public PcaOptions withKernel(Kernel gramKernel) {
        return new PcaOptions(k, varianceFraction, standardize, eigensolver, gramKernel);
    }

    /** Whether k is fixed (otherwise it is chosen by {@link #varianceFraction()}). */
    public boolean isFixedK() {
        return k > 0;
    }
}
