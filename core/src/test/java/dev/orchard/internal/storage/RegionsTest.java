package dev.orchard.internal.storage;

import dev.orchard.StorageException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegionsTest {

    @Test
    void euRegionsPass() {
        for (String r : new String[] {"eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-2"}) {
            assertEquals(r, Regions.requireEu(r, false));
        }
    }

    @Test
    void nonEuRegionsAreRefusedUnlessAllowed() {
        for (String r : new String[] {"us-east-1", "ap-southeast-2", "me-central-1", "europe-west1"}) {
            StorageException e = assertThrows(StorageException.class, () -> Regions.requireEu(r, false));
            assertTrue(e.getMessage().contains("'" + r + "' is outside the EU")
                    && e.getMessage().contains("--allow-non-eu-region"), e.getMessage());
            assertEquals(r, Regions.requireEu(r, true));
        }
    }

    @Test
    void missingRegionIsRefused() {
        assertThrows(StorageException.class, () -> Regions.requireEu(" ", true));
        assertThrows(StorageException.class, () -> Regions.requireEu(null, true));
    }
}
