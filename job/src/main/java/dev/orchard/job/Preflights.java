package dev.orchard.job;

import dev.orchard.storage.Storage;
import dev.orchard.storage.StorageException;
import dev.orchard.storage.Storages;
import java.io.IOException;

/**
 * Checks, before any Spark job starts, that the input is there, the model is readable and the output
 * can take the results — so a typo costs a second, not a cluster start. Each failure is one line.
 */
final class Preflights {

    private Preflights() {}

    static void check(JobConfig cfg) {
        if (cfg.input() != null) {
            requireNonEmpty(cfg, cfg.input(), "Input " + cfg.input() + " is empty or does not exist: check --input");
        }
        if (cfg.features() != null) {
            requireNonEmpty(cfg, cfg.features(), "Features " + cfg.features()
                    + " are empty or do not exist: pass --features <output>/features of an earlier run");
        }
        if (cfg.model() != null) {
            String pb = Storage.join(cfg.model(), "saved_model.pb");
            if (!exists(cfg, pb)) {
                throw new StorageException(cfg.model(), "No saved_model.pb in " + cfg.model()
                        + ": pass --model a SavedModel directory");
            }
        }
        Storage out = Storages.forUri(cfg.output(), cfg.storage());
        try {
            if (!cfg.overwrite() && !out.isEmptyPrefix(cfg.output())) {
                throw new StorageException(cfg.output(), "Output " + cfg.output()
                        + " is not empty: pass --overwrite to replace it, or choose another --output");
            }
        } catch (IOException e) {
            throw new StorageException(cfg.output(), "Cannot check output " + cfg.output() + ": " + e.getMessage(), e);
        }
    }

    private static void requireNonEmpty(JobConfig cfg, String uri, String message) {
        try {
            if (Storages.forUri(uri, cfg.storage()).isEmptyPrefix(uri)) {
                throw new StorageException(uri, message);
            }
        } catch (IOException e) {
            throw new StorageException(uri, "Cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    private static boolean exists(JobConfig cfg, String uri) {
        try {
            return Storages.forUri(uri, cfg.storage()).exists(uri);
        } catch (IOException e) {
            throw new StorageException(uri, "Cannot read " + uri + ": " + e.getMessage(), e);
        }
    }
}
