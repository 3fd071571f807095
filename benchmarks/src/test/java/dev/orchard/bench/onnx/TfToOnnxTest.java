package dev.orchard.bench.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.ModelSpec;
import dev.orchard.internal.model.arch.MobileNetV2;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfToOnnxTest {

    /** float32 through ~53 layers in two engines with different kernels and summation orders. */
    static final double FEATURE_RELATIVE_TOLERANCE = 1e-4;

    @Test
    void mobileNetV2InOnnxRuntimeGivesTensorFlowsFeatures(@TempDir Path dir) throws Exception {
        int size = 48; // even input: every stride-2 SAME convolution pads one pixel at the end only
        MobileNetV2.export(dir, 7, size);
        ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
        byte[] onnx = TfToOnnx.fromSavedModel(dir, spec);
        int n = 3;
        float[] x = new float[n * spec.inputLength()];
        Random r = new Random(11);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        float[][] tf;
        try (LoadedModel model = LoadedModel.load(dir, spec, 2)) {
            tf = model.run(x, n);
        }
        float[][] ort;
        try (OrtModel model = new OrtModel(onnx, size, size, OrtModel.Options.of(2))) {
            ort = model.run(x, n);
        }
        assertEquals(MobileNetV2.FEATURE_DIM, ort[0].length);
        double rel = OrtModel.relativeMaxDiff(ort, tf);
        assertTrue(rel < FEATURE_RELATIVE_TOLERANCE, "ORT vs TF relative max diff " + rel);
        // not trivially equal: the images differ, so must their features
        assertTrue(OrtModel.relativeMaxDiff(new float[][] {ort[0]}, new float[][] {tf[1]}) > 1e-2);
    }

    @Test
    void oddInputSizePadsLikeTensorFlow(@TempDir Path dir) throws Exception {
        int size = 33; // odd: SAME pads (1, 1) at stride 2
        MobileNetV2.export(dir, 3, size);
        ModelSpec spec = ModelPackage.fromDirectory(dir, null).spec();
        byte[] onnx = TfToOnnx.fromSavedModel(dir, spec);
        float[] x = new float[spec.inputLength()];
        Random r = new Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        float[][] tf;
        try (LoadedModel model = LoadedModel.load(dir, spec, 1)) {
            tf = model.run(x, 1);
        }
        try (OrtModel model = new OrtModel(onnx, size, size, OrtModel.Options.of(1))) {
            double rel = OrtModel.relativeMaxDiff(model.run(x, 1), tf);
            assertTrue(rel < FEATURE_RELATIVE_TOLERANCE, "ORT vs TF relative max diff " + rel);
        }
    }

    @Test
    void kernelTransposeHwioToOihw() {
        // kh = 1, kw = 2, in = 2, out = 3: value = 1000h + 100w + 10i + o
        int kh = 1;
        int kw = 2;
        int in = 2;
        int out = 3;
        float[] hwio = new float[kh * kw * in * out];
        for (int h = 0; h < kh; h++) {
            for (int w = 0; w < kw; w++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        hwio[((h * kw + w) * in + i) * out + o] = 1000 * h + 100 * w + 10 * i + o;
                    }
                }
            }
        }
        float[] expected = new float[hwio.length];
        int k = 0;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int h = 0; h < kh; h++) {
                    for (int w = 0; w < kw; w++) {
                        expected[k++] = 1000 * h + 100 * w + 10 * i + o;
                    }
                }
            }
        }
        assertArrayEquals(expected, TfToOnnx.hwioToOihw(hwio, kh, kw, in, out));
    }
}
