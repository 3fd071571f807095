package dev.orchard.internal.pca;

import java.util.Random;

/**
 * Local references for the PCA tests, written the plain way: a two-pass double-precision covariance and a cyclic
 * Jacobi eigendecomposition (independent of EJML's QR algorithm), plus seeded test data.
 */
final class PcaReference {

    private PcaReference() {}

    /** Two-pass mean. */
    static double[] mean(double[][] x) {
        int d = x[0].length;
        double[] m = new double[d];
        for (double[] r : x) {
            for (int i = 0; i < d; i++) {
                m[i] += r[i];
            }
        }
        for (int i = 0; i < d; i++) {
            m[i] /= x.length;
        }
        return m;
    }

    /** Two-pass co-moment {@code sum (x - mean)(x - mean)^T}, full d × d. */
    static double[][] coMoment(double[][] x) {
        int d = x[0].length;
        double[] m = mean(x);
        double[][] c = new double[d][d];
        double[] z = new double[d];
        for (double[] r : x) {
            for (int i = 0; i < d; i++) {
                z[i] = r[i] - m[i];
            }
            for (int i = 0; i < d; i++) {
                double a = z[i];
                double[] ci = c[i];
                for (int j = i; j < d; j++) {
                    ci[j] += a * z[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                c[i][j] = c[j][i];
            }
        }
        return c;
    }

    static double[][] covariance(double[][] x) {
        double[][] c = coMoment(x);
        for (double[] row : c) {
            for (int j = 0; j < row.length; j++) {
                row[j] /= x.length - 1;
            }
        }
        return c;
    }

    /** Eigenpairs of a symmetric matrix by cyclic Jacobi: values descending, vectors as rows (unit norm). */
    static Pca.Eigen jacobi(double[][] input) {
        int d = input.length;
        double[][] a = new double[d][];
        for (int i = 0; i < d; i++) {
            a[i] = input[i].clone();
        }
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < d; p++) {
                diag += a[p][p] * a[p][p];
                for (int q = p + 1; q < d; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-30 * diag) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = a[p][q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < d; k++) { // columns p, q
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    double[] ap = a[p];
                    double[] aq = a[q];
                    for (int k = 0; k < d; k++) { // rows p, q
                        double apk = ap[k];
                        double aqk = aq[k];
                        ap[k] = c * apk - s * aqk;
                        aq[k] = s * apk + c * aqk;
                    }
                    double[] vp = v[p];
                    double[] vq = v[q];
                    for (int k = 0; k < d; k++) { // eigenvectors kept as rows of v
                        double vpk = vp[k];
                        double vqk = vq[k];
                        vp[k] = c * vpk - s * vqk;
                        vq[k] = s * vpk + c * vqk;
                    }
                }
            }
        }
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[y][y], a[x][x]));
        double[] values = new double[d];
        double[][] vectors = new double[d][];
        for (int r = 0; r < d; r++) {
            values[r] = a[order[r]][order[r]];
            vectors[r] = v[order[r]].clone();
            Pca.normalizeAndOrient(vectors[r]);
        }
        return new Pca.Eigen(values, vectors);
    }

    /**
     * n × d rows with a decaying spectrum: {@code x = offset + H3 H2 H1 (sigma ∘ z)}, z standard normal,
     * {@code sigma_i = exp(-i / decay)}, H Householder reflections (a dense random rotation at O(d) per row).
     */
    static double[][] decaying(int n, int d, double decay, double offset, long seed) {
        Random rnd = new Random(seed);
        double[][] house = new double[3][d];
        for (double[] h : house) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                h[i] = rnd.nextGaussian();
                norm += h[i] * h[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                h[i] /= norm;
            }
        }
        double[] shift = new double[d];
        for (int i = 0; i < d; i++) {
            shift[i] = offset * (1 + 0.1 * rnd.nextGaussian());
        }
        double[][] x = new double[n][d];
        for (int r = 0; r < n; r++) {
            double[] row = x[r];
            for (int i = 0; i < d; i++) {
                row[i] = Math.exp(-i / decay) * rnd.nextGaussian();
            }
            for (double[] h : house) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += h[i] * row[i];
                }
                for (int i = 0; i < d; i++) {
                    row[i] -= 2 * dot * h[i];
                }
            }
            for (int i = 0; i < d; i++) {
                row[i] += shift[i];
            }
        }
        return x;
    }

    /** Largest |a_ij - b_ij| divided by the largest |b_ij|. */
    static double relativeMaxError(double[][] a, double[][] b) {
        double err = 0;
        double scale = 0;
        for (int i = 0; i < b.length; i++) {
            for (int j = 0; j < b[i].length; j++) {
                err = Math.max(err, Math.abs(a[i][j] - b[i][j]));
                scale = Math.max(scale, Math.abs(b[i][j]));
            }
        }
        return err / scale;
    }

    /** Largest entry-wise difference between a and ±b (the better sign). */
    static double maxDiffUpToSign(double[] a, double[] b) {
        double plus = 0;
        double minus = 0;
        for (int i = 0; i < a.length; i++) {
            plus = Math.max(plus, Math.abs(a[i] - b[i]));
            minus = Math.max(minus, Math.abs(a[i] + b[i]));
        }
        return Math.min(plus, minus);
    }

    /** Full co-moment from Moments. */
    static double[][] coMoment(Moments m) {
        int d = m.dimension();
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                c[i][j] = m.coMoment(i, j);
            }
        }
        return c;
    }
}
