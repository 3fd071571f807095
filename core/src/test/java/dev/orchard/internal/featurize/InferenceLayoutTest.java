package dev.orchard.internal.featurize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** How many sessions an executor runs its model as, and with how many threads each. */
class InferenceLayoutTest {

    private static final long MB = 1024 * 1024;

    @Test
    void aSmallModelGetsOneSingleThreadedSessionPerCore() {
        assertEquals(new InferenceLayout(2, 1), InferenceLayout.of(2, 14 * MB, null));
        assertEquals(new InferenceLayout(16, 1), InferenceLayout.of(16, 14 * MB, new SparkConf(false)));
        assertEquals(new InferenceLayout(1, 1), InferenceLayout.of(1, 14 * MB, null));
    }

    @Test
    void aLargeModelGetsAsManySessionsAsFitInTheBudgetWithTheCoresSharedOut() {
        assertEquals(new InferenceLayout(1, 4), InferenceLayout.of(4, 553 * MB, null)); // VGG16 with fc layers
        assertEquals(new InferenceLayout(3, 2), InferenceLayout.of(6, 300 * MB, null));
        assertEquals(new InferenceLayout(1, 8), InferenceLayout.of(8, 4096 * MB, null)); // never zero
    }

    @Test
    void theSparkSettingOverridesAndIsChecked() {
        SparkConf one = new SparkConf(false).set(InferenceLayout.CONF, "1");
        assertEquals(new InferenceLayout(1, 4), InferenceLayout.of(4, 14 * MB, one));
        SparkConf two = new SparkConf(false).set(InferenceLayout.CONF, " 2 ");
        assertEquals(new InferenceLayout(2, 2), InferenceLayout.of(4, 553 * MB, two));
        for (String bad : new String[] {"0", "-1", "many", "257"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InferenceLayout.of(4, MB, new SparkConf(false).set(InferenceLayout.CONF, bad)));
            assertTrue(e.getMessage().contains(InferenceLayout.CONF) && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
