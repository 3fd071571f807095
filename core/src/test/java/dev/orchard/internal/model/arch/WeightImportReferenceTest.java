package dev.orchard.internal.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelMetadata;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Orchard's MobileNetV2 and VGG16 with imported weights against an independent implementation of Keras
 * semantics: TensorFlow.js built the same networks from Keras layer classes (its own padding, depthwise
 * convolution, batch norm, ReLU6, pooling), ran them on 16 sample images and saved the weights; h5py wrote the
 * same weights as Keras 2 and Keras 3 HDF5 (see {@code data-samples/keras-reference/README.md}).
 *
 * <p>Both sides run on the same input: the uint8 pixels the generator decoded and resized, which this test turns
 * into model input with Orchard's {@code Preprocessing} (TF.js used Keras' {@code preprocess_input} formula).
 * Orchard's features, from a SavedModel exported with batch norm folded, must equal TF.js's global-average-pooled
 * backbone output to {@value #REL_TOL} relative (per image: max |orchard - tfjs| / max |tfjs|). Quantized TF.js
 * weights are compared with TF.js running the weights its own loader dequantized.
 */
class WeightImportReferenceTest {

    /** Float32 sums in a different order (oneDNN vs TF.js loops, folded vs explicit batch norm). */
    static final double REL_TOL = 1e-4;

    static Stream<Arguments> cases() {
        return Stream.of(
                // model, file, reference variant, size
                Arguments.of("mobilenet_v2_0.35", "tfjs-float32/model.json", "float32", 224),
                Arguments.of("mobilenet_v2_0.35", "tfjs-float32/model.json", "float32", 96),
                Arguments.of("mobilenet_v2_0.35", "keras2.h5", "float32", 224),
                Arguments.of("mobilenet_v2_0.35", "keras2.h5", "float32", 96),
                Arguments.of("mobilenet_v2_0.35", "keras3.weights.h5", "float32", 224),
                Arguments.of("mobilenet_v2_0.35", "model.keras", "float32", 96),
                Arguments.of("mobilenet_v2_0.35", "model.keras", "float32", 224),
                Arguments.of("mobilenet_v2_0.35", "tfjs-uint8/model.json", "uint8", 224),
                Arguments.of("mobilenet_v2_0.35", "tfjs-uint8/model.json", "uint8", 96),
                Arguments.of("mobilenet_v2_0.35", "tfjs-uint16/model.json", "uint16", 224),
                Arguments.of("mobilenet_v2_1.0", "keras2.h5", "float32", 224),
                Arguments.of("mobilenet_v2_1.0", "tfjs-float32/model.json", "float32", 128),
                Arguments.of("mobilenet_v2_1.0", "keras3.weights.h5", "float32", 128),
                Arguments.of("mobilenet_v2_1.0", "keras3.weights.h5", "float32", 224),
                Arguments.of("mobilenet_v2_1.0", "tfjs-uint8/model.json", "uint8", 224),
                Arguments.of("mobilenet_v2_1.0", "tfjs-uint8/model.json", "uint8", 128),
                Arguments.of("vgg16", "keras2.h5", "float32", 48),
                Arguments.of("vgg16", "tfjs-float32/model.json", "float32", 32),
                Arguments.of("vgg16", "keras3.weights.h5", "float32", 32),
                Arguments.of("vgg16", "keras3.weights.h5", "float32", 48),
                Arguments.of("vgg16", "tfjs-uint8/model.json", "uint8", 48),
                Arguments.of("vgg16", "tfjs-uint8/model.json", "uint8", 32));
    }

    @ParameterizedTest(name = "{0} {1} at {3} px")
    @MethodSource("cases")
    void importedWeightsGiveTheFeaturesTfjsComputes(String model, String file, String variant, int size,
                                                    @TempDir Path tmp) throws IOException {
        Path weights = KerasReference.dir().resolve(model).resolve(file);
        Path out = tmp.resolve("saved");
        WeightImport.Result r = WeightImport.export(weights, null, null, size, out);

        float[][] expected = KerasReference.features(model, variant, size);
        JsonNode meta = new ObjectMapper().readTree(out.resolve(ModelMetadata.RELATIVE_PATH).toFile());
        assertEquals(model.startsWith("vgg16") ? "vgg16" : "mobilenet_v2", meta.path("arch").asText());
        assertEquals(weights.toAbsolutePath().normalize().toString(), meta.path("weights").path("source").asText());
        assertEquals(KerasReference.sha256(weights),
                meta.path("weights").path("sha256").asText());
        assertEquals(r.origin().format().label(), meta.path("weights").path("format").asText());
        if (model.startsWith("mobilenet_v2")) {
            assertEquals(Double.parseDouble(model.substring("mobilenet_v2_".length())), r.alpha(), "alpha from shapes");
        }
        // the 0.35 reference carries a classifier head, which must be ignored and listed (a bare Keras 3
        // .weights.h5 stores no names: there it is the Dense layer's class path)
        List<String> head = List.of(file.equals("keras3.weights.h5") ? "dense" : "predictions");
        assertEquals(model.equals("mobilenet_v2_0.35") ? head : List.of(), r.ignored());

        ModelSpec spec = ModelPackage.fromDirectory(out, null).spec();
        assertEquals(expected[0].length, spec.featureDim());
        float[] x = KerasReference.pixels(size);
        spec.preprocessing().applyInPlace(x, 0, x.length / 3);
        float[][] actual;
        try (LoadedModel m = LoadedModel.load(out, spec, 2)) {
            actual = m.run(x, KerasReference.IMAGES);
        }
        for (int i = 0; i < KerasReference.IMAGES; i++) {
            double err = InMemoryNet.relativeError(new float[][] {actual[i]}, new float[][] {expected[i]});
            assertTrue(err <= REL_TOL, model + " " + file + " image " + i + ": relative error " + err);
        }
    }
}
