package dev.orchard;

/**
 * How many principal components to keep, and whether to standardize first.
 *
 * <p>Exactly one of {@code k > 0} (a fixed number of components) or {@code 0 < varianceFraction <= 1}
 * (the smallest k whose explained-variance ratios sum to at least the fraction) is set; the other is 0.
 *
 * @param k                fixed number of components, or 0 when choosing by variance
 * @param varianceFraction target cumulative explained-variance ratio in (0, 1], or 0 when k is fixed
 * @param standardize      scale every feature to unit sample variance before PCA (a feature with zero
 *                         variance keeps scale 1)
 */
public record PcaOptions(int k, double varianceFraction, boolean standardize) {

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

    /** The same choice of k, with standardization on or off. */
    public PcaOptions withStandardize(boolean on) {
        return new PcaOptions(k, varianceFraction, on);
    }

    /** Whether k is fixed (otherwise it is chosen by {@link #varianceFraction()}). */
    public boolean isFixedK() {
        return k > 0;
    }
}
