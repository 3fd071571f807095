package dev.orchard.internal.model;

import dev.orchard.ModelException;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInspectorTest {

    @Test
    void describesSignaturesAndTheSpecOrchardWouldUse() {
        String text = ModelInspector.describe(SampleModelFixture.sampleModel());
        for (String expected : new String[] {
                "signature 'serving_default'",
                "input  'input': tensor input:0, DT_FLOAT, shape [-1, 100, 100, 3]",
                "output 'features': tensor features:0, DT_FLOAT, shape [-1, 128]",
                "arch=sample_cnn",
                "image size:    100x100",
                "feature dim:   128",
                "preprocessing: unit"}) {
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        }
    }

    @Test
    void saysWhyNoSpecCanBeChosen(@TempDir Path tmp) throws IOException {
        Path copy = SampleModelFixture.copyOfSampleModel(tmp.resolve("m"));
        String text = ModelInspector.describe(copy, new ModelOverrides(null, "nope", null, null, null));
        assertTrue(text.contains("Orchard would use:\n  nothing yet: No input 'nope'"), text);
        assertTrue(text.contains("fix --input-tensor"), text);
    }

    @Test
    void missingModelIsAModelException(@TempDir Path tmp) {
        assertThrows(ModelException.class, () -> ModelInspector.describe(tmp));
    }
}
