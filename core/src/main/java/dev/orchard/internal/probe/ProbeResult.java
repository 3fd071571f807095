package dev.orchard.internal.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A probe's score on its held-out examples.
 *
 * @param name           what was probed, e.g. {@code "raw"} or {@code "pca"}
 * @param dimension      input dimension {@code d}
 * @param labels         class names by index
 * @param train          examples trained on
 * @param test           examples scored
 * @param trainAccuracy  accuracy on the training examples
 * @param accuracy       accuracy on the held-out examples
 * @param chance         accuracy of always answering the most frequent held-out class
 * @param iterations     L-BFGS iterations
 * @param loss           final objective (mean cross-entropy plus penalty)
 * @param converged      whether the optimizer met its tolerance (or stalled) before the cap
 * @param confusion      {@code confusion[true][predicted]} counts on the held-out examples
 * @param seconds        wall-clock time of split, fit and scoring
 */
public record ProbeResult(String name, int dimension, List<String> labels, long train, long test,
                          double trainAccuracy, double accuracy, double chance, int iterations, double loss,
                          boolean converged, long[][] confusion, double seconds) {

    /** Per-class summary rows: label, support, correct, recall, precision, most frequent wrong answer. */
    public List<Map<String, Object>> perClass() {
        List<Map<String, Object>> rows = new ArrayList<>();
        int n = confusion.length;
        for (int c = 0; c < n; c++) {
            long support = 0;
            long predicted = 0;
            int worst = -1;
            for (int j = 0; j < n; j++) {
                support += confusion[c][j];
                predicted += confusion[j][c];
                if (j != c && confusion[c][j] > 0 && (worst < 0 || confusion[c][j] > confusion[c][worst])) {
                    worst = j;
                }
            }
            if (support == 0 && predicted == 0) {
                continue;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("label", labels.get(c));
            r.put("support", support);
            r.put("correct", confusion[c][c]);
            r.put("recall", support == 0 ? null : round((double) confusion[c][c] / support));
            r.put("precision", predicted == 0 ? null : round((double) confusion[c][c] / predicted));
            r.put("mostConfusedWith", worst < 0 ? null : labels.get(worst));
            r.put("mostConfusedCount", worst < 0 ? 0 : confusion[c][worst]);
            rows.add(r);
        }
        return rows;
    }

    /** The result as a JSON-ready map (for {@code report.json}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("features", name);
        m.put("dimension", dimension);
        m.put("classes", labels.size());
        m.put("train", train);
        m.put("test", test);
        m.put("accuracy", round(accuracy));
        m.put("trainAccuracy", round(trainAccuracy));
        m.put("chance", round(chance));
        m.put("iterations", iterations);
        m.put("loss", round(loss));
        m.put("converged", converged);
        m.put("seconds", round(seconds));
        m.put("labels", labels);
        m.put("confusion", confusion);
        m.put("perClass", perClass());
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }
}
