package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link LocalStorage} against the storage contract. */
class LocalStorageTest extends StorageContract {

    private static Path base;

    @BeforeAll
    static void createBase() throws IOException {
        base = Files.createTempDirectory("orchard-local-storage-");
    }

    @AfterAll
    static void deleteBase() throws IOException {
        LocalStorage.INSTANCE.deleteRecursively(LocalStorage.toUri(base));
    }

    @Override
    Storage storage() {
        return Storages.forUri(baseUri(), StorageOptions.defaults());
    }

    @Override
    String baseUri() {
        return LocalStorage.toUri(base);
    }
}
