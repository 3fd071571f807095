package dev.orchard.internal.pca;

import java.util.Arrays;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * The leading eigenpairs of a symmetric positive semi-definite d × d matrix C (a covariance), without the O(d³)
 * full decomposition: <b>block Krylov</b> — block Lanczos with full reorthogonalization, explicit Rayleigh–Ritz and
 * thick restarts (Krylov–Schur style, restarted on the kept Ritz vectors and the residuals of the unconverged ones).
 *
 * <p><b>Algorithm.</b> A seeded random d × b start block; each step appends the next block
 * {@code orth(C Q_last)} (two passes of classical Gram–Schmidt against the whole basis, then column by column within the block, each
 * a BLAS product),
 * storing {@code W = C Q} beside the basis Q so that the projected matrix {@code T = Q^T C Q}, the Ritz pairs
 * {@code (θ_j, v_j = Q s_j)} and their residuals {@code r_j = W s_j − θ_j v_j} need no further products with C.
 * Pair j is converged when {@code ||r_j|| <= }{@value #RESIDUAL_TOL}{@code  θ_1}: its eigenvalue is then within
 * {@code ||r_j||² / gap_j} and its vector within {@code ||r_j|| / gap_j} (radians) of the exact ones
 * (Davis–Kahan), i.e. ≤ 1e-9 wherever the relative gap to the neighbouring eigenvalues is ≥ 1e-2. When the basis
 * reaches its capacity the {@code want + b} leading Ritz vectors are kept and the rest dropped.
 *
 * <p>For {@code fraction} (choose k by explained variance), the target is the smallest k whose converged leading
 * eigenvalues sum to {@code fraction × total}, total being the trace: the number wanted doubles until it is
 * reached, up to {@code maxWant}.
 *
 * <p><b>Cost.</b> About {@code 2 d² p} flops for p block products with C (p ≈ 2–4 k on CNN-feature spectra) plus
 * {@code 4 d m²} for the reorthogonalization (m the basis size), against ≈ {@code 9 d³} for a full decomposition
 * with vectors. Measured (2-core machine, {@code benchmarks/README.md}, "PCA: Orchard vs Spark MLlib RowMatrix vs
 * numpy/OpenBLAS"): d = 4096, k = 50 on λ_i = exp(−16 i / d) (0.4 % relative gaps): 950 products, 2.1 s against
 * 10.6–11.4 s for LAPACK {@code dsyevd} (≈ 5×) and 122 s for TensorFlow's {@code SelfAdjointEigV2} (≈ 57×);
 * d = 1280, k = 50: ≈ 1.4× faster than {@code dsyevd}. So the crossover with a native LAPACK lies near k ≈ d / 25
 * on slowly decaying spectra, and near d / 8 against TensorFlow/EJML; {@code AUTO} uses top-k for k ≤ d / 8, and for
 * a variance fraction only when the covariance's effective rank is ≤ d / 16
 * ({@link dev.orchard.PcaOptions.Eigensolver#AUTO}, {@code Pca.effectiveRank}).
 *
 * <p>Not thread-safe (one call at a time per instance); holds no resources.
 */
final class TopEigen {

    /** Convergence: residual norm relative to the largest eigenvalue. */
    static final double RESIDUAL_TOL = 1e-11;
    /** Block width bounds. */
    static final int MIN_BLOCK = 8;
    static final int MAX_BLOCK = 64;
    /** A vector whose norm falls below this fraction of its norm before projection is linearly dependent. */
    static final double DEPENDENT = 1e-10;

    /** Leading eigenpairs (values descending, unit vectors), and a line on the work done. */
    record Result(double[] values, double[][] vectors, String detail) {}

    /** Thrown when the solver stops without the wanted pairs: the caller falls back to a full decomposition. */
    static final class NotConverged extends Exception {
        private static final long serialVersionUID = 1L;

        NotConverged(String message) {
            super(message);
        }
    }

    private final double[] c;
    private final int d;
    private final DenseOps ops;
    /** Symmetric eigendecomposition of a small m × m row-major matrix: values descending, vectors as rows. */
    private final BiFunction<double[], Integer, Pca.Eigen> small;
    private final Random rnd = new Random(42);

    private double[] q = new double[0];
    private double[] w = new double[0];
    private double[] t = new double[0];
    private int cap;
    private int m;
    private int products;
    private int restarts;

    /**
     * @param c     the d × d symmetric matrix, full (both triangles). Not modified.
     * @param small the dense eigensolver for the projected matrices (values descending, clamped at 0 is NOT wanted)
     */
    TopEigen(double[] c, int d, DenseOps ops, BiFunction<double[], Integer, Pca.Eigen> small) {
        this.c = c;
        this.d = d;
        this.ops = ops;
        this.small = small;
    }

    /** The {@code k} leading eigenpairs. */
    Result leading(int k) throws NotConverged {
        return run(k, 0, 0, k);
    }

    /**
     * The leading eigenpairs up to the smallest k whose eigenvalues sum to at least {@code fraction × total}
     * (less {@code slack}); {@code maxWant} bounds k.
     */
    Result byFraction(double fraction, double total, double slack, int maxWant) throws NotConverged {
        return run(Math.min(maxWant, 16), fraction * total - slack * total, total, maxWant);
    }

    static int blockWidth(int want, int d) {
        return Math.min(d, Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, (want + 1) / 2)));
    }

    /** Basis capacity for {@code want} pairs in blocks of {@code b}. */
    static int capacity(int want, int b, int d) {
        return Math.min(d, 4 * want + 4 * b);
    }

    private Result run(int want, double targetSum, double total, int maxWant) throws NotConverged {
        boolean byFraction = total > 0;
        int b = blockWidth(want, d);
        grow(capacity(want, b, d));
        int productBudget = 2 * d; // beyond this a full decomposition is cheaper
        double[] cand = new double[d * b];
        for (int i = 0; i < cand.length; i++) {
            cand[i] = rnd.nextGaussian();
        }
        int candCols = b;
        while (true) {
            int added = appendBlock(cand, candCols, Math.min(b, d - m));
            if (m < Math.min(d, want + b) && added > 0) {
                System.arraycopy(w, (m - added) * d, cand, 0, added * d);
                candCols = added;
                continue;
            }
            // Rayleigh–Ritz on the basis
            double[] tm = new double[m * m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    tm[i * m + j] = 0.5 * (t[i * cap + j] + t[j * cap + i]);
                }
            }
            Pca.Eigen ritz = small.apply(tm, m);
            int keep = Math.min(m, want + b);
            double[] s = new double[m * keep]; // column-major m × keep
            for (int j = 0; j < keep; j++) {
                System.arraycopy(ritz.vectors()[j], 0, s, j * m, m);
            }
            double[] v = new double[d * keep];
            double[] ws = new double[d * keep];
            ops.addQh(1.0, q, d, m, s, 0, m, v, 0, keep);
            ops.addQh(1.0, w, d, m, s, 0, m, ws, 0, keep);
            double[] theta = Arrays.copyOf(ritz.values(), keep);
            double scale = Math.max(theta[0], Double.MIN_NORMAL);
            double[] res = new double[keep];
            int converged = 0;
            double worst = 0;
            for (int j = 0; j < keep; j++) {
                double r2 = 0;
                for (int p = 0; p < d; p++) {
                    double e = ws[j * d + p] - theta[j] * v[j * d + p];
                    r2 += e * e;
                }
                res[j] = Math.sqrt(r2) / scale;
                if (converged == j && (res[j] <= RESIDUAL_TOL || m == d)) {
                    converged++;
                    worst = Math.max(worst, res[j]);
                }
            }
            int found = -1;
            if (byFraction) {
                double cum = 0;
                for (int j = 0; j < Math.min(converged, maxWant); j++) {
                    cum += theta[j];
                    if (cum >= targetSum) {
                        found = j + 1;
                        break;
                    }
                }
                if (found < 0 && converged > 0) {
                    // every eigenvalue after the converged prefix is <= theta[converged - 1]: a lower bound on k
                    double rest = targetSum;
                    for (int j = 0; j < converged; j++) {
                        rest -= theta[j];
                    }
                    double lowerBound = converged + Math.ceil(rest / Math.max(theta[converged - 1], Double.MIN_NORMAL));
                    if (lowerBound > maxWant) {
                        throw new NotConverged(String.format("the variance fraction needs at least %.0f components "
                                + "(limit %d; %d leading pairs found)", lowerBound, maxWant, converged));
                    }
                    if (converged >= want) {
                        if (want >= maxWant || m == d) {
                            throw new NotConverged("the variance fraction needs more than " + want
                                    + " components (limit " + maxWant + ")");
                        }
                        want = (int) Math.min(maxWant, Math.max(2L * want, (long) lowerBound + 8));
                        b = blockWidth(want, d);
                        grow(capacity(want, b, d));
                        if (cand.length < d * b) {
                            cand = Arrays.copyOf(cand, d * b);
                        }
                    }
                }
            } else if (converged >= want) {
                found = want;
            }
            if (found > 0) {
                double[][] vectors = new double[found][];
                for (int j = 0; j < found; j++) {
                    vectors[j] = Arrays.copyOfRange(v, j * d, (j + 1) * d);
                }
                String detail = String.format("block Krylov: block %d, basis %d, %d restarts, %d products with C, "
                        + "max relative residual %.1e (%s)", b, m, restarts, products, worst, ops.name());
                return new Result(Arrays.copyOf(theta, found), vectors, detail);
            }
            if (m == d) {
                throw new NotConverged("the whole space was spanned without convergence");
            }
            if (products > productBudget) {
                throw new NotConverged(String.format("not converged after %d products with C (%d of %d pairs, "
                        + "largest residual %.1e)", products, converged, want, max(res, converged)));
            }
            if (m + b > cap) {
                // thick restart: keep the leading Ritz vectors (their C-products are W S), continue from residuals
                restarts++;
                keep = Math.min(keep, cap - b);
                System.arraycopy(v, 0, q, 0, keep * d);
                System.arraycopy(ws, 0, w, 0, keep * d);
                Arrays.fill(t, 0.0);
                for (int j = 0; j < keep; j++) {
                    t[j * cap + j] = theta[j];
                }
                m = keep;
                candCols = 0;
                for (int j = converged; j < keep && candCols < b; j++, candCols++) {
                    for (int p = 0; p < d; p++) {
                        cand[candCols * d + p] = ws[j * d + p] - theta[j] * v[j * d + p];
                    }
                }
                for (; candCols < b; candCols++) {
                    for (int p = 0; p < d; p++) {
                        cand[candCols * d + p] = rnd.nextGaussian();
                    }
                }
            } else {
                System.arraycopy(w, (m - added) * d, cand, 0, added * d);
                candCols = added;
            }
        }
    }

    private static double max(double[] a, int from) {
        double r = 0;
        for (int i = from; i < a.length; i++) {
            r = Math.max(r, a[i]);
        }
        return r;
    }

    /** Grows the basis storage to {@code newCap} columns, keeping its contents. */
    private void grow(int newCap) {
        if (newCap <= cap) {
            return;
        }
        q = Arrays.copyOf(q, d * newCap);
        w = Arrays.copyOf(w, d * newCap);
        double[] nt = new double[newCap * newCap];
        for (int i = 0; i < m; i++) {
            System.arraycopy(t, i * cap, nt, i * newCap, m);
        }
        t = nt;
        cap = newCap;
    }

    /**
     * Orthonormalizes the first {@code cols} columns of {@code cand} (modified) against the basis and each other,
     * appends up to {@code room} of them with their products {@code C q} and the new entries of T. Dependent
     * columns are replaced by random ones. Returns the number appended.
     */
    private int appendBlock(double[] cand, int cols, int room) {
        int nb = Math.min(cols, room);
        if (nb <= 0) {
            return 0;
        }
        double[] h = new double[Math.max(1, m) * nb];
        double[] norm0 = new double[nb];
        for (int j = 0; j < nb; j++) {
            norm0[j] = norm(cand, j * d);
        }
        for (int pass = 0; pass < 2; pass++) {
            ops.atb(q, d, m, cand, 0, nb, h, 0, Math.max(1, m));
            ops.addQh(-1.0, q, d, m, h, 0, Math.max(1, m), cand, 0, nb);
        }
        int base = m * d;
        double[] hj = new double[Math.max(1, nb)];
        for (int j = 0; j < nb; j++) {
            int o = j * d;
            for (int attempt = 0; ; attempt++) {
                // against the block's columns already appended: classical Gram–Schmidt twice, as BLAS products
                for (int pass = 0; pass < 2 && j > 0; pass++) {
                    ops.atb(q, base, d, j, cand, o, 1, hj, 0, j);
                    ops.addQh(-1.0, q, base, d, j, hj, 0, j, cand, o, 1);
                }
                double nrm = norm(cand, o);
                if (nrm > DEPENDENT * norm0[j] && nrm > 0) {
                    for (int p = 0; p < d; p++) {
                        q[base + o + p] = cand[o + p] / nrm;
                    }
                    break;
                }
                if (attempt > 3) {
                    throw new IllegalStateException("cannot extend a Krylov basis of " + (m + j) + " vectors in "
                            + d + " dimensions");
                }
                // dependent: a fresh random direction, projected off the basis
                for (int p = 0; p < d; p++) {
                    cand[o + p] = rnd.nextGaussian();
                }
                norm0[j] = norm(cand, o);
                double[] h1 = new double[Math.max(1, m)];
                for (int pass = 0; pass < 2; pass++) {
                    ops.atb(q, d, m, cand, o, 1, h1, 0, Math.max(1, m));
                    ops.addQh(-1.0, q, d, m, h1, 0, Math.max(1, m), cand, o, 1);
                }
            }
        }
        ops.symm(c, d, q, base, nb, w, base);
        products += nb;
        int newM = m + nb;
        double[] tn = new double[newM * nb]; // column-major newM × nb: T[:, m..newM)
        ops.atb(q, d, newM, w, base, nb, tn, 0, newM);
        for (int j = 0; j < nb; j++) {
            for (int i = 0; i < newM; i++) {
                double val = tn[i + j * newM];
                t[i * cap + (m + j)] = val;
                t[(m + j) * cap + i] = val;
            }
        }
        m = newM;
        return nb;
    }

    private double norm(double[] x, int off) {
        double s = 0;
        for (int p = 0; p < d; p++) {
            s += x[off + p] * x[off + p];
        }
        return Math.sqrt(s);
    }
}
