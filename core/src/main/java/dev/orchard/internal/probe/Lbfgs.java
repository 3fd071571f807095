package dev.orchard.internal.probe;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Limited-memory BFGS (Nocedal and Wright, <i>Numerical Optimization</i>, algorithm 7.4 / 7.5) with
 * a backtracking Armijo line search. Runs on the driver; each {@link Objective#evaluate} may be a
 * distributed pass over the data, so the search tries step 1 first and halves at most
 * {@link #MAX_BACKTRACKS} times.
 */
final class Lbfgs {

    /** A differentiable objective: writes {@code ∇f(w)} into {@code gradient} (Modified) and returns {@code f(w)}. */
    interface Objective {
        double evaluate(double[] w, double[] gradient);
    }

    /** Where the search stopped. */
    record Outcome(double[] w, double value, int iterations, int evaluations, boolean converged) {}

    /** Curvature pairs kept. */
    static final int MEMORY = 10;
    /** Armijo sufficient-decrease constant {@code c1}. */
    static final double ARMIJO = 1e-4;
    /** Most halvings of the step in one line search. */
    static final int MAX_BACKTRACKS = 30;
    /** Relative decrease of {@code f} below which the search counts as stalled. */
    static final double STALL = 1e-10;

    private Lbfgs() {}

    /**
     * Minimizes {@code f} from {@code w0} (Not modified).
     *
     * @param tolerance stop when {@code ||∇f||∞ <= tolerance · max(1, |f|)}
     */
    static Outcome minimize(Objective f, double[] w0, int maxIterations, double tolerance) {
        int n = w0.length;
        double[] w = w0.clone();
        double[] g = new double[n];
        double fx = f.evaluate(w, g);
        int evaluations = 1;
        Deque<double[][]> pairs = new ArrayDeque<>(); // {s, y, [rho]}
        int it = 0;
        boolean converged = normInf(g) <= tolerance * Math.max(1, Math.abs(fx));
        while (!converged && it < maxIterations) {
            double[] d = direction(g, pairs);
            double slope = dot(g, d);
            if (!(slope < 0)) { // not a descent direction: restart from steepest descent
                pairs.clear();
                d = scale(g, -1);
                slope = dot(g, d);
            }
            double step = (it == 0 && pairs.isEmpty()) ? Math.min(1, 1 / normInf(g)) : 1;
            double[] wNew = new double[n];
            double[] gNew = new double[n];
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int b = 0; b <= MAX_BACKTRACKS; b++) {
                for (int i = 0; i < n; i++) {
                    wNew[i] = w[i] + step * d[i];
                }
                fNew = f.evaluate(wNew, gNew);
                evaluations++;
                if (Double.isFinite(fNew) && fNew <= fx + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                step /= 2;
            }
            it++;
            if (!accepted) {
                break; // no decrease along the direction: as good as it gets in floating point
            }
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = wNew[i] - w[i];
                y[i] = gNew[i] - g[i];
            }
            double sy = dot(s, y);
            if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) { // keep the inverse Hessian positive definite
                pairs.addLast(new double[][] {s, y, {1 / sy}});
                if (pairs.size() > MEMORY) {
                    pairs.removeFirst();
                }
            }
            double decrease = fx - fNew;
            w = wNew;
            g = gNew;
            fx = fNew;
            converged = normInf(g) <= tolerance * Math.max(1, Math.abs(fx));
            if (!converged && decrease <= STALL * Math.max(1, Math.abs(fx))) {
                converged = true; // stalled: further iterations would not change the classifier
            }
        }
        return new Outcome(w, fx, it, evaluations, converged);
    }

    /** Two-loop recursion: {@code -H g} with {@code H} the L-BFGS inverse Hessian estimate. */
    private static double[] direction(double[] g, Deque<double[][]> pairs) {
        double[] q = g.clone();
        double[] alpha = new double[pairs.size()];
        int k = pairs.size() - 1;
        for (Iterator<double[][]> it = pairs.descendingIterator(); it.hasNext(); k--) {
            double[][] p = it.next();
            alpha[k] = p[2][0] * dot(p[0], q);
            axpy(-alpha[k], p[1], q);
        }
        if (!pairs.isEmpty()) {
            double[][] last = pairs.peekLast();
            double gamma = dot(last[0], last[1]) / dot(last[1], last[1]);
            for (int i = 0; i < q.length; i++) {
                q[i] *= gamma;
            }
        }
        k = 0;
        for (double[][] p : pairs) {
            double beta = p[2][0] * dot(p[1], q);
            axpy(alpha[k] - beta, p[0], q);
            k++;
        }
        return scale(q, -1);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double[] scale(double[] x, double a) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = a * x[i];
        }
        return r;
    }

    private static double normInf(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
