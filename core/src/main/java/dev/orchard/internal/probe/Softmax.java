package dev.orchard.internal.probe;

/**
 * Multinomial logistic regression on one example. Weights are one flat array of {@code C} rows of
 * {@code d + 1} values, row {@code c} = {@code [w_c0 .. w_c(d-1), b_c]} (bias last).
 *
 * <p>Loss of example {@code (x, y)}: {@code -log softmax(W x + b)_y}; its gradient with respect to
 * row {@code c} is {@code (p_c - [c == y]) · [x, 1]}. Logits are shifted by their maximum before
 * exponentiation, so large scores never overflow.
 */
final class Softmax {

    private Softmax() {}

    /**
     * Logits {@code z_c = w_c · x + b_c}.
     *
     * @param w flat weights (Not modified)
     * @param x input of length {@code d} (Not modified)
     * @param z output of length {@code C} (Modified)
     */
    static void logits(double[] w, int classes, double[] x, double[] z) {
        int stride = x.length + 1;
        for (int c = 0; c < classes; c++) {
            int o = c * stride;
            double s = w[o + x.length];
            for (int j = 0; j < x.length; j++) {
                s += w[o + j] * x[j];
            }
            z[c] = s;
        }
    }

    /** The predicted class: arg max of the logits (lowest index on ties). */
    static int predict(double[] w, int classes, double[] x) {
        double[] z = new double[classes];
        logits(w, classes, x, z);
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (z[c] > z[best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * Adds the example's loss to {@code acc[C·(d+1)]} and its gradient to {@code acc[0 .. C·(d+1))}.
     *
     * @param acc accumulator of length {@code C·(d+1) + 1} (Modified)
     * @param z   scratch of length {@code C} (Modified)
     */
    static void accumulate(double[] w, int classes, double[] x, int y, double[] acc, double[] z) {
        logits(w, classes, x, z);
        double zy = z[y];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        // loss = log Σ_c exp z_c - z_y, from the logit itself so that a tiny p_y never gives log 0
        acc[acc.length - 1] += Math.log(sum) + max - zy;
        int stride = x.length + 1;
        for (int c = 0; c < classes; c++) {
            double r = z[c] / sum - (c == y ? 1 : 0);
            if (r == 0) {
                continue;
            }
            int o = c * stride;
            for (int j = 0; j < x.length; j++) {
                acc[o + j] += r * x[j];
            }
            acc[o + x.length] += r;
        }
    }
}
