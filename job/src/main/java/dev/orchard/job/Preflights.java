package dev.orchard.job;

import dev.orchard.PcaModel;
import dev.orchard.internal.incremental.FeatureUnion;
import dev.orchard.internal.incremental.OutputChain;
import java.util.Map;
import dev.orchard.internal.storage.Preflight;
import dev.orchard.internal.storage.Regions;
import dev.orchard.StorageException;
import dev.orchard.internal.storage.Storages;
import java.io.IOException;

/**
 * Checks, before any Spark job starts, that the region is allowed, the input is there, the model is
 * readable and the output can take the results — so a typo or a bad credential costs a second, not a
 * cluster start. Each failure is one line naming the URI and what to do.
 */
final class Preflights {

    private Preflights() {}

    static void check(JobConfig cfg, boolean allowNonEuRegion) {
        Regions.requireEu(cfg.storage().region(), allowNonEuRegion);
        if (cfg.input() != null) {
            Preflight.checkReadable(cfg.input(), cfg.storage());
        }
        if (cfg.features() != null) {
            for (String f : cfg.features()) {
                Preflight.checkReadable(f, cfg.storage());
            }
        }
        if (cfg.incremental()) {
            OutputChain chain = OutputChain.resolve(cfg.incrementalFrom(), cfg.storage());
            if (chain.contains(cfg.output())) {
                throw new UsageException("--output " + cfg.output() + " is one of the outputs --incremental-from "
                        + "continues (" + String.join(", ", chain.roots()) + "): choose a new --output");
            }
        }
        if (cfg.pcaModel() != null) {
            PcaModel model = PcaModels.read(cfg.pcaModel(), cfg.storage());
            Map<String, String> spec = cfg.features() == null ? null
                    : FeatureUnion.recordedSpec(cfg.features(), cfg.storage());
            if (spec != null && spec.get("featureDim") != null) {
                // transform: refuse a mismatched model before Spark starts (rows are checked again when read)
                try {
                    model.requireApplicable(Integer.parseInt(spec.get("featureDim")), spec,
                            "--features " + String.join(",", cfg.features()));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage()); // a --pca-model that does not fit the --features
                }
            }
        }
        if (cfg.model() != null) {
            Preflight.checkModelReadable(cfg.model(), cfg.storage());
        }
        try {
            if (!cfg.overwrite() && !Storages.forUri(cfg.output(), cfg.storage()).isEmptyPrefix(cfg.output())) {
                throw new StorageException(cfg.output(), "Output " + cfg.output()
                        + " is not empty: pass --overwrite to replace it, or choose another --output");
            }
        } catch (IOException e) {
            throw new StorageException(cfg.output(), "Cannot check output " + cfg.output() + ": " + e.getMessage(), e);
        }
        Preflight.checkWritable(cfg.output(), cfg.storage());
    }
}
