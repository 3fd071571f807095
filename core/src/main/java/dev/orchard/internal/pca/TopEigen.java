package dev.orchard.internal.pca;

import java.util.Arrays;
import java.util.Random;

/**
 * The leading eigenpairs of a symmetric positive semi-definite d × d matrix C (a covariance), without the O(d³)
 * full decomposition: <b>block Krylov</b> — block Lanczos with full reorthogonalization, Rayleigh–Ritz when the
 * residuals' rate of decrease says convergence is near, and thick (Krylov–Schur) restarts only when the basis is
 * full.
 *
 * <p><b>Algorithm.</b> A seeded random d × b start block; each step multiplies the newest block by C (one
 * {@code dgemm}, or the Vector API kernel where the JVM has it: {@link DenseOps#symm}; {@code W = C Q} kept beside
 * the basis Q) and makes the next block from it: projected off the last
 * two blocks (the three-term recurrence), then once off the whole basis (the rounding-level components that
 * Lanczos lets grow), then orthonormalized by CholeskyQR2 ({@code R_last = Q_next B}; column-wise Gram–Schmidt for
 * near-dependent blocks) — all BLAS-3. The projection coefficients are the new columns of {@code T = Q^T C Q}, and
 * {@code C Q = Q T + Q_next B E_last^T}, so a Ritz pair {@code (θ, Q y)} of T has the residual norm
 * {@code ||B y_last||} without any work in d dimensions. Pair j is converged when
 * {@code ||r_j|| <= }{@value #RESIDUAL_TOL}{@code  θ_1}: its eigenvalue is then within {@code ||r_j||² / gap_j}
 * and its vector within {@code ||r_j|| / gap_j} (radians) of the exact ones (Davis–Kahan), i.e. ≤ 1e-9 wherever
 * the gap to the neighbouring eigenvalues is ≥ 1 % of λ_1 — what {@code TopEigenTest} asks on spectra with 3 %
 * relative gaps, so the tolerance is not looser. (Looser would save little: Krylov convergence speeds up at the
 * end; on the benchmark below 1e-9 → 1e-11 costs two of 33 blocks.) The answer is confirmed with the
 * explicit residuals {@code ||W s_j − θ_j Q s_j||} before it is returned. Rayleigh–Ritz (LAPACK {@code dsyevr},
 * only the wanted vectors) runs from m = want + b on, then where the residual's last rate of decrease puts the
 * tolerance, at most a quarter of the basis ahead. When the basis reaches its capacity (at least
 * {@code 4 (want + b)}, up to {@code 16 want} vectors within 64 MiB) the {@code want + b} leading Ritz vectors
 * are kept; their residuals lie in the next block's span, which stays the next block.
 *
 * <p>For {@code fraction} (choose k by explained variance), the target is the smallest k whose converged leading
 * eigenvalues sum to {@code fraction × total}, total being the trace: the number wanted doubles until it is
 * reached, up to {@code maxWant}.
 *
 * <p><b>Cost.</b> About {@code 2 d² p} flops for p products with C (p ≈ 10 k on the slowly decaying spectrum
 * below, far fewer on steep ones) plus {@code 2 d m²} for the reorthogonalization (m the final basis size) and one
 * m × m tridiagonalization per Rayleigh–Ritz step, against ≈ {@code 9 d³} for a full decomposition with vectors.
 * Measured (2-core machine, one OpenBLAS thread for both, {@code benchmarks/README.md}, "PCA: Orchard vs Spark
 * MLlib RowMatrix vs numpy/OpenBLAS"), the driver step of a fit (covariance from the moments included): d = 4096,
 * k = 50 on λ_i = exp(−16 i / d) (0.4 % relative gaps): 528 products, 0.58–0.65 s with the products on the Vector
 * API (0.33–0.38 s of it the products, 9.3–10.9 ms per block of 16; 0.11–0.12 s reorthogonalizing, 0.08 s
 * Rayleigh–Ritz) and 0.92–1.02 s with BLAS products (20–22 ms a block: {@code dgemm} repacks C for every call)
 * against 9.3–11.5 s for LAPACK {@code dsyevd}, ≈ 16× / 10×; k = 200 / 400 (BLAS products): 3.1 / 4.1 s, ≈ 3× /
 * 2.3× faster than {@code dsyevd} (single runs, an earlier build);
 * d = 1280, k = 50: 0.15 s vs 0.39–0.42 s, 2.7×. So the crossover with a native LAPACK lies beyond k = d / 10
 * at d = 4096 on slowly decaying spectra; {@code AUTO} uses top-k for k ≤ d / 8, and for a variance fraction only
 * when the covariance's effective rank is ≤ d / 16 ({@link dev.orchard.PcaOptions.Eigensolver#AUTO},
 * {@code Pca.effectiveRank}).
 *
 * <p>Not thread-safe (one call at a time per instance); holds no resources.
 */
final class TopEigen {

    /** Convergence: residual norm relative to the largest eigenvalue. */
    static final double RESIDUAL_TOL = 1e-11;
    /** Block width bounds. */
    static final int MIN_BLOCK = 8;
    static final int MAX_BLOCK = 64;
    /**
     * The basis and its products with C are each at most this many doubles (64 MiB) unless {@code 4 (want + b)}
     * vectors need more: the unrestarted basis reaches 10–13 k vectors (blocks of 16–25) on the benchmark's
     * slowly decaying spectrum.
     */
    static final int MAX_BASIS_DOUBLES = 1 << 23;
    /** A vector whose norm falls below this fraction of its norm before projection is linearly dependent. */
    static final double DEPENDENT = 1e-10;
    /** CholeskyQR2 is used on a block while each column keeps at least this fraction of its norm off the others. */
    static final double CHOLESKY_QR_MIN = 1e-5;

    /**
     * Symmetric eigensolver for the projected matrices: at least the {@code count} leading eigenpairs of the m × m
     * row-major {@code a} (which it may modify), values descending, vectors as rows.
     */
    @FunctionalInterface
    interface Projected {
        Pca.Eigen leading(double[] a, int m, int count);
    }

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
    /** The leading eigenpairs of the small projected matrices. */
    private final Projected small;
    private final Random rnd = new Random(42);

    private double[] q = new double[0];
    private double[] w = new double[0];
    private double[] t = new double[0];
    private int cap;
    private int m;
    private int products;
    private int restarts;
    private int blockOverride;
    private long productNanos;
    private long orthNanos;
    private long ritzNanos;
    private int ritzSteps;
    private int capacityOverride;

    /**
     * @param c     the d × d symmetric matrix, full (both triangles). Not modified.
     * @param small the dense eigensolver for the projected matrices
     */
    TopEigen(double[] c, int d, DenseOps ops, Projected small) {
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

    /**
     * Narrower blocks need fewer products in all (a Krylov space of higher degree) but multiply at a lower rate
     * (C is read once per block): at d = 4096, k = 50 on the benchmark's spectrum, blocks of 12 / 16 / 20 / 25 /
     * 32 took 480 / 528 / 600 / 650 / 736 products and 1.11 / 0.92 / 0.93 / 1.04 / 0.99 CPU-s in all.
     */
    static int blockWidth(int want, int d) {
        return Math.min(d, Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, want / 3)));
    }

    /** Basis capacity for {@code want} pairs in blocks of {@code b}. */
    static int capacity(int want, int b, int d) {
        return Math.min(d, Math.max(4 * (want + b), Math.min(16 * want, MAX_BASIS_DOUBLES / d)));
    }

    /** Forces the block width (tests, benchmarks); 0: {@link #blockWidth}. */
    TopEigen withBlock(int width) {
        this.blockOverride = width;
        return this;
    }

    /** Forces the basis capacity, to exercise thick restarts (tests); 0: {@link #capacity}. */
    TopEigen withCapacity(int columns) {
        this.capacityOverride = columns;
        return this;
    }

    private int capacityFor(int want, int b) {
        return capacityOverride > 0 ? Math.min(d, Math.max(capacityOverride, want + 2 * b)) : capacity(want, b, d);
    }

    private Result run(int want, double targetSum, double total, int maxWant) throws NotConverged {
        boolean byFraction = total > 0;
        int b = Math.min(d, blockOverride > 0 ? blockOverride : blockWidth(want, d));
        grow(capacityFor(want, b));
        int productBudget = 2 * d; // beyond this a full decomposition is cheaper
        double[] cand = new double[d * b]; // C Q_last, projected off the basis
        double[] next = new double[d * b]; // the next block, orthonormal to the basis
        double[] bmat = new double[b * b]; // cand = next · B (column-major, upper triangular)
        for (int i = 0; i < cand.length; i++) {
            cand[i] = rnd.nextGaussian();
        }
        int nNext = orthonormalizeBlock(cand, next, Math.min(b, d), bmat);
        int nextCheck = Math.min(d, want + b); // basis size of the next Rayleigh–Ritz
        int localFrom = 0; // first column of the blocks the next product is not orthogonal to in exact arithmetic
        double prevRes = Double.NaN;
        int prevAt = 0;
        while (true) {
            // append the next block and its products with C
            int lastOff = m;
            int lastCols = nNext;
            System.arraycopy(next, 0, q, m * d, nNext * d);
            long t0 = System.nanoTime();
            ops.symm(c, d, q, m * d, nNext, w, m * d);
            products += nNext;
            long t1 = System.nanoTime();
            productNanos += t1 - t0;
            m += nNext;
            // the block after it: C Q_last projected off the basis (its coefficients are T's new columns), then
            // orthonormalized, R_last = Q_next B. C Q = Q T + R_last E^T holds, so the residual of a Ritz pair
            // (θ, Q y) is ||B y_last|| without any product in d dimensions.
            // First against the blocks C Q_last can have a large component on in exact arithmetic (the last two, or
            // after a restart the kept Ritz vectors too), then once against the whole basis: the rounding-level
            // components a three-term recurrence lets grow (full reorthogonalization).
            double[] h = new double[m * lastCols];
            System.arraycopy(w, lastOff * d, cand, 0, lastCols * d);
            int local = m - localFrom;
            double[] hl = new double[local * lastCols];
            ops.atb(q, localFrom * d, d, local, cand, 0, lastCols, hl, 0, local);
            ops.addQh(-1.0, q, localFrom * d, d, local, hl, 0, local, cand, 0, lastCols);
            ops.atb(q, d, m, cand, 0, lastCols, h, 0, m);
            ops.addQh(-1.0, q, d, m, h, 0, m, cand, 0, lastCols);
            for (int j = 0; j < lastCols; j++) {
                for (int i = 0; i < local; i++) {
                    h[localFrom + i + j * m] += hl[i + j * local];
                }
            }
            localFrom = lastOff;
            for (int j = 0; j < lastCols; j++) {
                for (int i = 0; i < m; i++) {
                    double val = h[i + j * m];
                    t[i * cap + (lastOff + j)] = val;
                    t[(lastOff + j) * cap + i] = val;
                }
            }
            int room = d - m;
            nNext = room == 0 ? 0 : orthonormalizeBlock(cand, next, Math.min(lastCols, room), bmat);
            // the residual estimate holds when the whole residual block was kept (or the space is spanned)
            boolean estimateValid = m == d || nNext == lastCols;
            orthNanos += System.nanoTime() - t1;
            boolean mustRestart = m < d && m + b > cap;
            if (m < nextCheck && !mustRestart && m < d) {
                continue;
            }
            // Rayleigh–Ritz on the basis
            double[] tm = new double[m * m]; // T is symmetric: each coefficient is written to both places
            for (int i = 0; i < m; i++) {
                System.arraycopy(t, i * cap, tm, i * m, m);
            }
            long t2 = System.nanoTime();
            Pca.Eigen ritz = small.leading(tm, m, Math.min(m, want + b));
            ritzNanos += System.nanoTime() - t2;
            ritzSteps++;
            double[] theta = ritz.values();
            double scale = Math.max(theta[0], Double.MIN_NORMAL);
            int keep = Math.min(m, want + b);
            double[] res = new double[keep];
            int converged = 0;
            for (int j = 0; j < keep; j++) {
                if (m == d) {
                    res[j] = 0;
                } else if (!estimateValid) {
                    res[j] = Double.POSITIVE_INFINITY;
                } else {
                    double[] y = ritz.vectors()[j];
                    double r2 = 0;
                    for (int i = 0; i < lastCols; i++) {
                        double e = 0;
                        for (int l = i; l < lastCols; l++) {
                            e += bmat[i + l * b] * y[lastOff + l];
                        }
                        r2 += e * e;
                    }
                    res[j] = Math.sqrt(r2) / scale;
                }
                if (converged == j && res[j] <= RESIDUAL_TOL) {
                    converged++;
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
                        int wider = Math.min(blockWidth(want, d), d - m);
                        if (blockOverride == 0 && wider > b && nNext == b) {
                            // wider blocks for more pairs: the next block gets random columns orthogonal to all
                            cand = Arrays.copyOf(cand, d * wider);
                            next = Arrays.copyOf(next, d * wider);
                            bmat = new double[wider * wider];
                            for (int j = b; j < wider; j++) {
                                randomColumn(cand, next, j);
                            }
                            nNext = wider;
                            b = wider;
                        }
                        grow(capacityFor(want, b));
                        keep = Math.min(ritz.values().length, Math.min(m, want + b));
                        mustRestart = m < d && m + b > cap;
                    }
                }
            } else if (converged >= want) {
                found = want;
            }
            if (found > 0) {
                // confirm with the explicit residuals ||C v − θ v|| (W S − θ Q S): the estimate assumes exact
                // orthogonality
                Result r = verified(ritz, found, b);
                if (r != null) {
                    return r;
                }
            }
            if (m == d) {
                throw new NotConverged("the whole space was spanned without convergence");
            }
            if (products > productBudget) {
                throw new NotConverged(String.format("not converged after %d products with C (%d of %d pairs, "
                        + "largest residual %.1e)", products, converged, want, max(res, converged)));
            }
            // the next Rayleigh–Ritz: where the residual's last rate of decrease says it reaches the tolerance
            // (convergence only speeds up, and one Rayleigh–Ritz of the full basis costs about as much as a block
            // of products), between one block and a quarter of the basis ahead
            double worst = max(res, 0, Math.min(Math.min(want, keep), res.length)); // want may have grown
            int step = Math.max(b, m / 4);
            if (found <= 0 && prevRes > worst && worst > 0 && Double.isFinite(worst) && m > prevAt) {
                double rate = Math.log(prevRes / worst) / (m - prevAt);
                double need = Math.log(worst / RESIDUAL_TOL) / rate;
                step = (int) Math.max(b, Math.min(step, need));
            } else if (found > 0) {
                step = b; // the estimate said converged but the explicit residuals did not: one more block
            }
            prevRes = worst;
            prevAt = m;
            nextCheck = Math.min(d, m + step);
            if (mustRestart) {
                // thick restart (Krylov–Schur): keep the leading Ritz vectors V = Q S (their C-products are W S);
                // their residuals lie in the span of the next block, which is orthogonal to them and stays next
                restarts++;
                int kept = Math.min(keep, cap - b);
                double[] s = ritzColumns(ritz, kept);
                double[] v = new double[d * kept];
                double[] ws = new double[d * kept];
                ops.addQh(1.0, q, d, m, s, 0, m, v, 0, kept);
                ops.addQh(1.0, w, d, m, s, 0, m, ws, 0, kept);
                System.arraycopy(v, 0, q, 0, kept * d);
                System.arraycopy(ws, 0, w, 0, kept * d);
                Arrays.fill(t, 0.0);
                for (int j = 0; j < kept; j++) {
                    t[j * cap + j] = theta[j];
                }
                m = kept;
                localFrom = 0;
                nextCheck = Math.min(d, Math.max(nextCheck - (prevAt - kept), m + b));
                prevAt = m;
            }
        }
    }

    /** The leading {@code n} Ritz vectors' coefficients, column-major m × n. */
    private double[] ritzColumns(Pca.Eigen ritz, int n) {
        double[] s = new double[m * n];
        for (int j = 0; j < n; j++) {
            System.arraycopy(ritz.vectors()[j], 0, s, j * m, m);
        }
        return s;
    }

    /** The leading {@code found} Ritz pairs if their explicit residuals are within the tolerance, else null. */
    private Result verified(Pca.Eigen ritz, int found, int b) {
        double[] s = ritzColumns(ritz, found);
        double[] v = new double[d * found];
        double[] ws = new double[d * found];
        ops.addQh(1.0, q, d, m, s, 0, m, v, 0, found);
        ops.addQh(1.0, w, d, m, s, 0, m, ws, 0, found);
        double[] theta = ritz.values();
        double scale = Math.max(theta[0], Double.MIN_NORMAL);
        double worst = 0;
        for (int j = 0; j < found; j++) {
            double r2 = 0;
            for (int p = 0; p < d; p++) {
                double e = ws[j * d + p] - theta[j] * v[j * d + p];
                r2 += e * e;
            }
            worst = Math.max(worst, Math.sqrt(r2) / scale);
        }
        if (worst > RESIDUAL_TOL && m < d) {
            return null;
        }
        double[][] vectors = new double[found][];
        for (int j = 0; j < found; j++) {
            vectors[j] = Arrays.copyOfRange(v, j * d, (j + 1) * d);
        }
        String detail = String.format("block Krylov: block %d, basis %d, %d restarts, %d products with C, "
                + "max relative residual %.1e (%s)", b, m, restarts, products, worst, ops.productsDescription())
                + String.format("; %.2f s in products, %.2f s orthogonalizing, %d Rayleigh–Ritz steps %.2f s",
                        productNanos / 1e9, orthNanos / 1e9, ritzSteps, ritzNanos / 1e9);
        return new Result(Arrays.copyOf(theta, found), vectors, detail);
    }

    private static double max(double[] a, int from) {
        return max(a, from, a.length);
    }

    private static double max(double[] a, int from, int to) {
        double r = 0;
        for (int i = from; i < to; i++) {
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
     * Orthonormalizes the first {@code n} columns of {@code x} (modified; already projected off the basis) among
     * themselves into {@code out}, column by column (classical Gram–Schmidt twice, as BLAS products), and records
     * in {@code bmat} (column-major b × b, b = its side) the upper triangular factor with {@code x = out · B}. A
     * column that is numerically dependent is replaced by a random direction orthogonal to the basis and the
     * columns before it (its B column is then its small remainder). Returns n.
     */
    private int orthonormalizeBlock(double[] x, double[] out, int n, double[] bmat) {
        int b = (int) Math.round(Math.sqrt(bmat.length));
        if (n > 1 && choleskyQr(x, out, n, bmat, b)) {
            return n;
        }
        Arrays.fill(bmat, 0.0);
        double[] hj = new double[Math.max(1, n)];
        for (int j = 0; j < n; j++) {
            int o = j * d;
            double norm0 = norm(x, o);
            for (int pass = 0; pass < 2 && j > 0; pass++) {
                ops.atb(out, 0, d, j, x, o, 1, hj, 0, j);
                ops.addQh(-1.0, out, 0, d, j, hj, 0, j, x, o, 1);
                for (int i = 0; i < j; i++) {
                    bmat[i + j * b] += hj[i];
                }
            }
            double nrm = norm(x, o);
            bmat[j + j * b] = nrm;
            if (nrm > DEPENDENT * norm0 && nrm > 0) {
                scaleInto(x, out, o, 1.0 / nrm);
                continue;
            }
            randomColumn(x, out, j);
        }
        return n;
    }

    /**
     * Column j of {@code out}: a fresh random direction (drawn in column j of {@code x}) orthonormalized against
     * the basis and the columns of {@code out} before it.
     */
    private void randomColumn(double[] x, double[] out, int j) {
        int o = j * d;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 3) {
                throw new IllegalStateException("cannot extend a Krylov basis of " + (m + j) + " vectors in "
                        + d + " dimensions");
            }
            for (int p = 0; p < d; p++) {
                x[o + p] = rnd.nextGaussian();
            }
            double n0 = norm(x, o);
            double[] h1 = new double[Math.max(1, Math.max(m, j))];
            for (int pass = 0; pass < 2; pass++) {
                ops.atb(q, d, m, x, o, 1, h1, 0, Math.max(1, m));
                ops.addQh(-1.0, q, d, m, h1, 0, Math.max(1, m), x, o, 1);
                if (j > 0) {
                    ops.atb(out, 0, d, j, x, o, 1, h1, 0, j);
                    ops.addQh(-1.0, out, 0, d, j, h1, 0, j, x, o, 1);
                }
            }
            double r = norm(x, o);
            if (r > DEPENDENT * n0 && r > 0) {
                scaleInto(x, out, o, 1.0 / r);
                return;
            }
        }
    }

    /**
     * CholeskyQR2 (two rounds of {@code Y = X R^-1}, R the Cholesky factor of {@code X^T X}, the second on the
     * first's Y), as BLAS products and in-place triangular solves in {@code out}: orthonormal to rounding for
     * well-conditioned blocks; false when the block is too close to dependent (condition above ~1e5), for the
     * column-wise path. {@code x} is not modified either way.
     */
    private boolean choleskyQr(double[] x, double[] out, int n, double[] bmat, int b) {
        double[] g = new double[n * n];
        ops.atb(x, d, n, x, 0, n, g, 0, n);
        double[] r1 = cholesky(g, n);
        if (r1 == null) {
            return false;
        }
        System.arraycopy(x, 0, out, 0, n * d);
        ops.solveUpperRight(out, 0, d, n, r1);
        ops.atb(out, d, n, out, 0, n, g, 0, n);
        double[] r2 = cholesky(g, n);
        if (r2 == null) {
            return false;
        }
        ops.solveUpperRight(out, 0, d, n, r2);
        Arrays.fill(bmat, 0.0);
        for (int j = 0; j < n; j++) { // B = R2 R1, both upper triangular
            for (int i = 0; i <= j; i++) {
                double sum = 0;
                for (int l = i; l <= j; l++) {
                    sum += r2[i + l * n] * r1[l + j * n];
                }
                bmat[i + j * b] = sum;
            }
        }
        return true;
    }

    /**
     * The upper triangular R (column-major n × n) with {@code R^T R = g} for the n × n Gram matrix {@code g}, or
     * null when a column keeps less than {@value #CHOLESKY_QR_MIN} of its norm off the ones before it (condition
     * above ~1e5).
     */
    private static double[] cholesky(double[] g, int n) {
        double[] r = new double[n * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i <= j; i++) {
                double sum = g[i + j * n];
                for (int l = 0; l < i; l++) {
                    sum -= r[l + i * n] * r[l + j * n];
                }
                if (i < j) {
                    r[i + j * n] = sum / r[i + i * n];
                } else {
                    // the remaining norm of column j after removing the others: relative to its norm, 1/condition
                    if (!(sum > CHOLESKY_QR_MIN * CHOLESKY_QR_MIN * g[j + j * n])) {
                        return null;
                    }
                    r[j + j * n] = Math.sqrt(sum);
                }
            }
        }
        return r;
    }

    private void scaleInto(double[] x, double[] out, int off, double s) {
        for (int p = 0; p < d; p++) {
            out[off + p] = x[off + p] * s;
        }
    }

    private double norm(double[] x, int off) {
        double s = 0;
        for (int p = 0; p < d; p++) {
            s += x[off + p] * x[off + p];
        }
        return Math.sqrt(s);
    }
}
