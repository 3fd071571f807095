package dev.orchard.internal.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MobileNetV2 at every width Keras publishes: parameter counts and feature sizes as TensorFlow.js counts them for
 * the same Keras-layer network ({@code model.countParams()} of data-samples/keras-reference/generate.mjs's
 * {@code mobileNetV2(224, alpha, 0)}; 2,257,984 at alpha 1.0 is also Keras' documented count), which pins
 * {@code _make_divisible}'s rounding of every layer's width.
 */
class MobileNetV2AlphaTest {

    @ParameterizedTest
    @CsvSource({"0.35, 410208, 1280", "0.5, 706224, 1280", "0.75, 1382064, 1280", "1.0, 2257984, 1280",
        "1.3, 3766048, 1664", "1.4, 4363712, 1792"})
    void parameterCountsMatchKeras(double alpha, long params, int features) {
        ArchStats s = MobileNetV2.stats(224, alpha);
        assertEquals(params, s.kerasParameters());
        assertEquals(features, s.featureDim());
        assertEquals(features, MobileNetV2.featureDim(alpha));
    }

    @ParameterizedTest
    @CsvSource({"0.6", "2.0", "0"})
    void otherWidthsAreRefused(double alpha) {
        assertThrows(IllegalArgumentException.class, () -> MobileNetV2.blocks(224, alpha));
    }
}
