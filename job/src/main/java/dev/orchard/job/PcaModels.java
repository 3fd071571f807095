package dev.orchard.job;

import dev.orchard.PcaModel;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads the {@code pca-model.json} given by {@code --pca-model} (local or S3). */
final class PcaModels {

    private PcaModels() {}

    /**
     * @throws UsageException   when the file is not a PCA model (one line naming it)
     * @throws StorageException when it cannot be read
     */
    static PcaModel read(String uri, StorageOptions options) {
        String u = Storages.normalize(uri);
        byte[] bytes;
        try {
            bytes = Storages.forUri(u, options).readAllBytes(u);
        } catch (IOException | RuntimeException e) {
            throw new StorageException(u, "Cannot read --pca-model " + u + ": " + e.getMessage()
                    + " (pass the pca-model.json of an earlier run)", e);
        }
        try {
            return PcaModel.fromJson(new String(bytes, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--pca-model " + u + " is not a PCA model: " + e.getMessage());
        }
    }
}
