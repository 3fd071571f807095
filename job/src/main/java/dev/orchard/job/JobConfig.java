package dev.orchard.job;

import dev.orchard.FeaturizeOptions;
import dev.orchard.ModelOptions;
import dev.orchard.PcaOptions;
import dev.orchard.OutputFormat;
import dev.orchard.StorageOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One validated run configuration, built from the command line. Everything here is safe to print and
 * to write into the manifest: credentials never pass through it.
 */
record JobConfig(
        String command,
        String input,
        String output,
        String model,
        String features,
        ModelOptions modelOptions,
        PcaOptions pca,
        Set<OutputFormat> formats,
        FeaturizeOptions featurize,
        StorageOptions storage,
        int maxPartitionSize,
        boolean overwrite,
        String master) {

    /** The configuration as written into {@code _SUCCESS} and {@code report.json}. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        if (input != null) {
            m.put("input", input);
        }
        if (features != null) {
            m.put("features", features);
        }
        m.put("output", output);
        if (model != null) {
            m.put("model", model);
        }
        if (pca != null) {
            if (pca.k() > 0) {
                m.put("k", pca.k());
            } else {
                m.put("variance", pca.varianceFraction());
            }
            m.put("standardize", pca.standardize());
        }
        m.put("format", formats.stream().map(f -> f.name().toLowerCase()).collect(Collectors.joining(",")));
        if (featurize != null) {
            m.put("batchSize", featurize.batchSize());
            m.put("maxPixels", featurize.maxPixels());
            m.put("precision", featurize.precision().id());
        }
        m.put("maxPartitionSize", maxPartitionSize);
        m.put("region", storage.region());
        if (storage.endpoint() != null) {
            m.put("s3Endpoint", storage.endpoint());
        }
        m.put("master", master);
        return m;
    }
}
