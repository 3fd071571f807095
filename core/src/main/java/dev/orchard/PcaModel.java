package dev.orchard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A fitted PCA: what {@code <output>/pca-model.json} holds.
 *
 * <p>Conventions (scikit-learn's {@code PCA}, up to the sign of each component):
 * <ul>
 *   <li>{@code eigenvalues[j]} is the sample variance (divided by n − 1) of the data along component j
 *       ({@code explained_variance_});</li>
 *   <li>{@code explainedVarianceRatio[j] = eigenvalues[j] / totalVariance}, where {@code totalVariance} is the
 *       sum of the sample variances of all d (standardized, if so) features;</li>
 *   <li>{@code components} are k unit-norm rows of length d in descending eigenvalue order; the entry of largest
 *       magnitude of each is positive (first such entry on ties), so reruns compare equal;</li>
 *   <li>{@code pc_j = ((x − mean) / scale) · components[j]}, with scale = 1 when not standardized.</li>
 * </ul>
 * Immutable: accessors return copies. Serializable, so Spark can broadcast it (k·d + 2d doubles).
 */
public final class PcaModel implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int inputDimension;
    private final long count;
    private final boolean standardized;
    private final double[] mean;
    private final double[] scale;
    private final double[][] components;
    private final double[] eigenvalues;
    private final double[] explainedVarianceRatio;
    private final double totalVariance;
    /** Ratios of more leading components than kept, when the fit computed them (not part of the JSON). */
    private double[] spectrum;

    /** A model from its parts (validated: lengths, k in [1, d], count >= 2); {@link #fromJson} reads a saved one. */
    public PcaModel(int inputDimension, long count, boolean standardized, double[] mean, double[] scale,
             double[][] components, double[] eigenvalues, double[] explainedVarianceRatio, double totalVariance) {
        int k = components.length;
        if (inputDimension < 1) {
            throw new IllegalArgumentException("inputDimension must be >= 1, was " + inputDimension);
        }
        if (k < 1 || k > inputDimension) {
            throw new IllegalArgumentException("k must be in [1, inputDimension=" + inputDimension + "], was " + k);
        }
        if (count < 2) {
            throw new IllegalArgumentException("count must be >= 2, was " + count);
        }
        checkLength("mean", mean, inputDimension);
        if (standardized != (scale != null)) {
            throw new IllegalArgumentException("scale must be present exactly when standardized; standardized="
                    + standardized + ", scale " + (scale == null ? "null" : "present"));
        }
        if (scale != null) {
            checkLength("scale", scale, inputDimension);
        }
        for (int j = 0; j < k; j++) {
            checkLength("components[" + j + "]", components[j], inputDimension);
        }
        checkLength("eigenvalues", eigenvalues, k);
        checkLength("explainedVarianceRatio", explainedVarianceRatio, k);
        this.inputDimension = inputDimension;
        this.count = count;
        this.standardized = standardized;
        this.mean = mean.clone();
        this.scale = scale == null ? null : scale.clone();
        this.components = new double[k][];
        for (int j = 0; j < k; j++) {
            this.components[j] = components[j].clone();
        }
        this.eigenvalues = eigenvalues.clone();
        this.explainedVarianceRatio = explainedVarianceRatio.clone();
        this.totalVariance = totalVariance;
    }

    private static void checkLength(String name, double[] a, int expected) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is missing");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
    }

    public int inputDimension() {
        return inputDimension;
    }

    public int k() {
        return components.length;
    }

    /** Number of rows the model was fitted on. */
    public long count() {
        return count;
    }

    public boolean standardized() {
        return standardized;
    }

    public double[] mean() {
        return mean.clone();
    }

    /** Per-feature scale (sample standard deviation, 1 for a constant feature), or null if not standardized. */
    public double[] scale() {
        return scale == null ? null : scale.clone();
    }

    /** k × d, rows unit-norm, descending eigenvalue order (a deep copy). */
    public double[][] components() {
        double[][] c = new double[components.length][];
        for (int j = 0; j < c.length; j++) {
            c[j] = components[j].clone();
        }
        return c;
    }

    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    public double[] explainedVarianceRatio() {
        return explainedVarianceRatio.clone();
    }

    public double totalVariance() {
        return totalVariance;
    }

    /** {@code pc_j = ((x − mean) / scale) · components[j]}. */
    public double[] project(double[] x) {
        checkInput(x.length);
        double[] centred = new double[inputDimension];
        for (int i = 0; i < inputDimension; i++) {
            centred[i] = scale == null ? x[i] - mean[i] : (x[i] - mean[i]) / scale[i];
        }
        return projectCentred(centred);
    }

    /** {@code pc_j = ((x − mean) / scale) · components[j]}, in double precision. */
    public double[] project(float[] x) {
        checkInput(x.length);
        double[] centred = new double[inputDimension];
        for (int i = 0; i < inputDimension; i++) {
            centred[i] = scale == null ? x[i] - mean[i] : (x[i] - mean[i]) / scale[i];
        }
        return projectCentred(centred);
    }

    private double[] projectCentred(double[] z) {
        double[] pc = new double[components.length];
        for (int j = 0; j < pc.length; j++) {
            double[] c = components[j];
            double s = 0;
            for (int i = 0; i < inputDimension; i++) {
                s += z[i] * c[i];
            }
            pc[j] = s;
        }
        return pc;
    }

    private void checkInput(int length) {
        if (length != inputDimension) {
            throw new IllegalArgumentException("input has " + length + " values, model expects " + inputDimension);
        }
    }

    /**
     * The explained-variance ratios of the leading components, possibly more than {@link #k()} (up to
     * {@link Orchard#SPECTRUM_COMPONENTS} when fitted by {@link Orchard#fitPca}), for plotting the curve past the
     * cut; the first k equal {@link #explainedVarianceRatio()}. A model read from JSON has only its k.
     */
    public double[] spectrum() {
        return (spectrum != null ? spectrum : explainedVarianceRatio).clone();
    }

    void spectrum(double[] ratios) {
        this.spectrum = ratios.clone();
    }

    /**
     * Projects feature vectors onto the components (Spark ML's {@code Model.transform}): one
     * {@link PcaRecord} per feature row, with the same id and label; the model is broadcast once.
     *
     * @throws IllegalArgumentException (on executors) for a vector whose length is not {@link #inputDimension()}
     */
    public org.apache.spark.api.java.JavaRDD<PcaRecord> transform(org.apache.spark.api.java.JavaRDD<FeatureRecord> features) {
        return dev.orchard.internal.pca.Pca.project(
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(features.context()), this, features);
    }

    /** The contract's {@code pca-model.json}, keys in contract order. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("inputDimension", inputDimension);
        o.put("k", components.length);
        o.put("count", count);
        o.put("standardized", standardized);
        o.set("mean", array(mean));
        if (scale == null) {
            o.putNull("scale");
        } else {
            o.set("scale", array(scale));
        }
        ArrayNode comps = o.putArray("components");
        for (double[] c : components) {
            comps.add(array(c));
        }
        o.set("eigenvalues", array(eigenvalues));
        o.set("explainedVarianceRatio", array(explainedVarianceRatio));
        o.put("totalVariance", totalVariance);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write PCA model as JSON", e);
        }
    }

    private static ArrayNode array(double[] a) {
        ArrayNode n = JSON.createArrayNode();
        for (double v : a) {
            n.add(v);
        }
        return n;
    }

    /**
     * Reads a {@code pca-model.json}.
     *
     * @throws IllegalArgumentException when the text is not valid JSON, a field is missing or has the wrong
     *                                  type, or the lengths disagree with {@code inputDimension} and {@code k}
     */
    public static PcaModel fromJson(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pca-model.json is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("pca-model.json must be a JSON object");
        }
        int d = field(o, "inputDimension").intValue();
        int k = field(o, "k").intValue();
        long n = field(o, "count").longValue();
        JsonNode std = field(o, "standardized");
        if (!std.isBoolean()) {
            throw new IllegalArgumentException("pca-model.json: standardized must be true or false, was " + std);
        }
        JsonNode scaleNode = field(o, "scale");
        double[] scale = scaleNode.isNull() ? null : doubles(scaleNode, "scale");
        JsonNode comps = field(o, "components");
        if (!comps.isArray() || comps.size() != k) {
            throw new IllegalArgumentException("pca-model.json: components must be an array of k=" + k + " rows");
        }
        double[][] c = new double[k][];
        for (int j = 0; j < k; j++) {
            c[j] = doubles(comps.get(j), "components[" + j + "]");
        }
        JsonNode tv = field(o, "totalVariance");
        if (!tv.isNumber()) {
            throw new IllegalArgumentException("pca-model.json: totalVariance must be a number, was " + tv);
        }
        return new PcaModel(d, n, std.booleanValue(), doubles(field(o, "mean"), "mean"), scale, c,
                doubles(field(o, "eigenvalues"), "eigenvalues"),
                doubles(field(o, "explainedVarianceRatio"), "explainedVarianceRatio"), tv.doubleValue());
    }

    private static JsonNode field(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("pca-model.json: missing field " + name);
        }
        if (!v.isNull() && !v.isArray() && !v.isNumber() && !v.isBoolean()) {
            throw new IllegalArgumentException("pca-model.json: field " + name + " has an unexpected value " + v);
        }
        return v;
    }

    private static double[] doubles(JsonNode a, String name) {
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException("pca-model.json: " + name + " must be an array of numbers");
        }
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isNumber()) {
                throw new IllegalArgumentException("pca-model.json: " + name + "[" + i + "] is not a number: " + v);
            }
            r[i] = v.doubleValue();
        }
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PcaModel m && inputDimension == m.inputDimension && count == m.count
                && standardized == m.standardized && Arrays.equals(mean, m.mean) && Arrays.equals(scale, m.scale)
                && Arrays.deepEquals(components, m.components) && Arrays.equals(eigenvalues, m.eigenvalues)
                && Arrays.equals(explainedVarianceRatio, m.explainedVarianceRatio)
                && Double.compare(totalVariance, m.totalVariance) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(components) * 31 + Arrays.hashCode(eigenvalues);
    }

    @Override
    public String toString() {
        return "PcaModel[d=" + inputDimension + ", k=" + components.length + ", n=" + count
                + ", standardized=" + standardized + ", totalVariance=" + totalVariance + "]";
    }
}
