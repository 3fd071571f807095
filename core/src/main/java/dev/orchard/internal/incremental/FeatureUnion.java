package dev.orchard.internal.incremental;

import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.internal.sink.Sink;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The features named by one or more {@code features/} folders (or output roots), one row per image.
 *
 * <p>One folder of a full run (or a folder without a manifest) is read as written, label indices included.
 * Otherwise the folders' outputs and every output they continued from form an {@link OutputChain}, read
 * "latest wins" ({@link PreviousOutputs#latestFeatures()}): no image twice, retired images left out, label
 * indices recomputed over the union's labels.
 *
 * @param features    the rows (lazy)
 * @param featureSpec what made them, as recorded in the outputs' manifests; null when not recorded
 */
public record FeatureUnion(JavaRDD<FeatureRecord> features, Map<String, String> featureSpec) {

    /**
     * What the outputs of {@code uris} recorded about their features ({@link FeatureSpecs}), without reading a
     * row: null for a folder without a manifest, or outputs written before the spec was recorded.
     */
    public static Map<String, String> recordedSpec(List<String> uris, StorageOptions options) {
        if (uris.size() == 1 && !OutputCommitter.isCommitted(OutputChain.rootOf(uris.get(0)), options)) {
            return null;
        }
        return OutputChain.resolve(uris, options).featureSpec();
    }

    /** @throws IllegalArgumentException if the outputs hold features of different models */
    public static FeatureUnion read(JavaSparkContext sc, List<String> uris, StorageOptions options) {
        if (uris.size() == 1) {
            String root = OutputChain.rootOf(uris.get(0));
            if (!OutputCommitter.isCommitted(root, options)) {
                return new FeatureUnion(Sink.readFeatures(sc, uris.get(0), options), null);
            }
            OutputChain chain = OutputChain.resolve(uris, options);
            if (chain.outputs().size() == 1) {
                return new FeatureUnion(Sink.readFeatures(sc, uris.get(0), options), chain.featureSpec());
            }
        }
        OutputChain chain = OutputChain.resolve(uris, options);
        return new FeatureUnion(PreviousOutputs.of(sc, chain, options).latestFeatures(), chain.featureSpec());
    }
}
