package dev.orchard.internal.model.weights;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras weights in HDF5, read with jhdf (pure Java, the file memory-mapped read-only): the Keras 2
 * layout (root attribute {@code layer_names}, per layer {@code weight_names}) or the Keras 3 one
 * ({@code layers/<class path>/vars/<i>}). See {@link WeightFormat}.
 */
final class H5Weights implements WeightFile.Contents {

    private final HdfFile hdf;
    private final Map<String, Map<String, StoredTensor>> layers;
    private final boolean keras3;

    private H5Weights(HdfFile hdf, Map<String, Map<String, StoredTensor>> layers, boolean keras3) {
        this.hdf = hdf;
        this.layers = Collections.unmodifiableMap(layers);
        this.keras3 = keras3;
    }

    /**
     * @param display the name to give the file in messages
     * @throws WeightsException if it is not readable HDF5 or holds neither Keras layout
     */
    static H5Weights open(Path file, String display) {
        HdfFile hdf;
        try {
            hdf = new HdfFile(file);
        } catch (RuntimeException e) {
            throw unreadable(display, e);
        }
        try {
            Group root = hdf;
            if (root.getChild("model_weights") instanceof Group g) { // Keras 2 model.save(): weights below
                root = g;
            }
            H5Weights w;
            if (hasAttribute(root, "layer_names") || hasAttribute(root, "layer_names0")) {
                w = new H5Weights(hdf, keras2(root, display), false);
            } else if (root.getChild("layers") instanceof Group g) {
                w = new H5Weights(hdf, keras3(g, display), true);
            } else {
                throw new WeightsException("Weights file " + display + " is HDF5 but holds no Keras weights (no root "
                        + "attribute layer_names as Keras 2 writes, no group layers/ as Keras 3 writes)");
            }
            return w;
        } catch (WeightsException e) {
            hdf.close();
            throw e;
        } catch (RuntimeException e) {
            hdf.close();
            throw unreadable(display, e);
        }
    }

    private static WeightsException unreadable(String display, RuntimeException e) {
        return new WeightsException("Weights file " + display + " is not readable HDF5 (truncated or damaged?): "
                + oneLine(e), e);
    }

    private static Map<String, Map<String, StoredTensor>> keras2(Group root, String display) {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        for (String layer : strings(root, "layer_names", display)) {
            if (!(root.getChild(layer) instanceof Group g)) {
                throw new WeightsException("Weights file " + display + " lists layer " + layer
                        + " in layer_names but has no group for it");
            }
            for (String weight : strings(g, "weight_names", display)) {
                if (!(g.getByPath(weight) instanceof Dataset d)) {
                    throw new WeightsException("Weights file " + display + " lists weight " + weight + " of layer "
                            + layer + " but has no dataset for it");
                }
                WeightFile.put(out, layer, WeightFile.weightName(weight), tensor(d, display), display);
            }
        }
        return out;
    }

    private static Map<String, Map<String, StoredTensor>> keras3(Group layersGroup, String display) {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : layersGroup.getChildren().entrySet()) {
            if (!(e.getValue() instanceof Group layer) || !(layer.getChild("vars") instanceof Group vars)) {
                continue;
            }
            for (Map.Entry<String, Node> v : vars.getChildren().entrySet()) {
                if (v.getValue() instanceof Dataset d) {
                    WeightFile.put(out, e.getKey(), v.getKey(), tensor(d, display), display);
                }
            }
        }
        return out;
    }

    private static StoredTensor tensor(Dataset d, String display) {
        String path = d.getPath();
        return new StoredTensor(path, d.getDimensionsAsLong()) {
            @Override
            public float[] read() {
                Object flat;
                try {
                    flat = d.getDataFlat();
                } catch (RuntimeException e) {
                    throw new WeightsException("Cannot read " + path + " from " + display + " (truncated or damaged?): "
                            + oneLine(e), e);
                }
                if (flat instanceof float[] f && f.length == size()) {
                    return f;
                }
                if (flat instanceof double[] dd && dd.length == size()) {
                    float[] f = new float[dd.length];
                    for (int i = 0; i < dd.length; i++) {
                        f[i] = (float) dd[i];
                    }
                    return f;
                }
                throw new WeightsException("Weight " + path + " in " + display + " is " + d.getJavaType().getSimpleName()
                        + ", not floating point");
            }
        };
    }

    private static boolean hasAttribute(Node node, String name) {
        return node.getAttributes().containsKey(name);
    }

    /**
     * A string-array attribute, bounded; Keras 2 splits one over 64 KB into {@code name0}, {@code name1}, ...
     */
    private static List<String> strings(Node node, String name, String display) {
        List<String> out = new ArrayList<>();
        Map<String, Attribute> attrs = node.getAttributes();
        if (attrs.containsKey(name)) {
            addStrings(attrs.get(name), out, display);
        } else {
            for (int i = 0; attrs.containsKey(name + i); i++) {
                addStrings(attrs.get(name + i), out, display);
            }
        }
        return out;
    }

    private static void addStrings(Attribute a, List<String> out, String display) {
        if (a.getSizeInBytes() > WeightFile.MAX_METADATA_BYTES || a.getSize() > WeightFile.MAX_LAYERS) {
            throw new WeightsException("Weights file " + display + ": attribute " + a.getName() + " on "
                    + a.getNode().getPath() + " is larger than Orchard reads (" + a.getSize() + " values)");
        }
        if (a.isEmpty() || a.getSize() == 0) {
            return; // a weightless layer: Keras 2 writes an empty weight_names
        }
        Object data = a.getData();
        if (data instanceof String s) {
            out.add(s);
        } else if (data instanceof String[] arr) {
            Collections.addAll(out, arr);
        } else {
            throw new WeightsException("Weights file " + display + ": attribute " + a.getName() + " on "
                    + a.getNode().getPath() + " is not a list of names");
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }

    @Override
    public Map<String, Map<String, StoredTensor>> layers() {
        return layers;
    }

    @Override
    public boolean keyedByClassPath() {
        return keras3;
    }

    @Override
    public void close() {
        hdf.close();
    }
}
