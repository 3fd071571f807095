package dev.orchard;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * How close one set of feature vectors is to a reference set of the same images (e.g. bf16 features
 * against fp32 ones): the cosine similarity of each pair, summarized by its minimum and mean.
 *
 * @param images     pairs compared, at least 1
 * @param cosineMin  the smallest per-image cosine similarity
 * @param cosineMean the mean per-image cosine similarity
 */
public record Fidelity(int images, double cosineMin, double cosineMean) {

    public Fidelity {
        if (images < 1) {
            throw new IllegalArgumentException("images must be >= 1 but was " + images);
        }
    }

    /**
     * Compares {@code actual[i]} with {@code reference[i]} for every i.
     *
     * @param actual    feature vectors (Not modified)
     * @param reference the reference vectors of the same images, in the same order (Not modified)
     * @throws IllegalArgumentException if the lists are empty or of different sizes, or a pair differs
     *                                  in length
     */
    public static Fidelity compare(List<float[]> actual, List<float[]> reference) {
        if (actual.size() != reference.size()) {
            throw new IllegalArgumentException("need as many reference vectors as vectors but got " + reference.size()
                    + " for " + actual.size());
        }
        if (actual.isEmpty()) {
            throw new IllegalArgumentException("need at least 1 pair of vectors but got 0");
        }
        double min = Double.POSITIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < actual.size(); i++) {
            double c = cosine(actual.get(i), reference.get(i));
            min = Math.min(min, c); // Math.min propagates NaN, so a non-finite vector shows
            sum += c;
        }
        return new Fidelity(actual.size(), min, sum / actual.size());
    }

    /**
     * Cosine similarity of two vectors, {@code a·b / (‖a‖ ‖b‖)}, accumulated in double.
     *
     * <p>Zero vectors: two all-zero vectors are identical, so their similarity is defined as 1; an
     * all-zero vector against a non-zero one has no direction to compare and is defined as 0. A
     * non-finite element makes the result {@code NaN}.
     *
     * @param a a vector (Not modified)
     * @param b a vector of the same length (Not modified)
     * @return in [-1, 1] (rounding clamped), 1 for the same direction, -1 for opposite ones
     * @throws IllegalArgumentException if the lengths differ
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors must have the same length but were " + a.length + " and "
                    + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
                return Double.NaN;
            }
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 && nb == 0) {
            return 1;
        }
        if (na == 0 || nb == 0) {
            return 0;
        }
        double c = dot / (Math.sqrt(na) * Math.sqrt(nb));
        return Math.max(-1, Math.min(1, c));
    }

    /** {@code {"images": n, "cosineMin": .., "cosineMean": ..}} for reports. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", images);
        m.put("cosineMin", cosineMin);
        m.put("cosineMean", cosineMean);
        return m;
    }
}
