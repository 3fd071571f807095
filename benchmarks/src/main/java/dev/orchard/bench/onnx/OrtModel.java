package dev.orchard.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Objects;

/**
 * An ONNX Runtime (CPU) session on a {@link TfToOnnx} model, run like {@code LoadedModel.run}: an
 * NHWC float batch in, one feature array per image out.
 *
 * <p><b>Who closes it.</b> It holds a native session that only {@link #close()} frees; whoever
 * created it closes it. Not thread-safe: one caller at a time (the benchmark's main thread).
 */
public final class OrtModel implements AutoCloseable {

    /** How the session is set up. */
    public record Options(int intraOpThreads, boolean parallelExecution, boolean spinning, String profilePrefix) {

        /** Intra-op threads = {@code threads}, inter-op 1, sequential, spinning on (ORT's default), no profile. */
        public static Options of(int threads) {
            return new Options(threads, false, true, null);
        }

        String describe() {
            return "intra-op " + intraOpThreads + ", inter-op 1, " + (parallelExecution ? "PARALLEL" : "SEQUENTIAL")
                    + ", optimization ALL, spinning " + (spinning ? "on" : "off");
        }
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Options options;
    private final int height;
    private final int width;

    /**
     * @param onnxModel a serialized ModelProto from {@link TfToOnnx#convert} (input {@code input}
     *                  {@code [N, height, width, 3]}, output {@code features} {@code [N, d]})
     * @throws OrtException if ONNX Runtime rejects the model or the options
     */
    public OrtModel(byte[] onnxModel, int height, int width, Options options) throws OrtException {
        Objects.requireNonNull(onnxModel, "onnxModel");
        this.options = Objects.requireNonNull(options, "options");
        if (options.intraOpThreads() < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1 but was " + options.intraOpThreads());
        }
        this.env = OrtEnvironment.getEnvironment();
        this.height = height;
        this.width = width;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setExecutionMode(options.parallelExecution()
                    ? OrtSession.SessionOptions.ExecutionMode.PARALLEL
                    : OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.addConfigEntry("session.intra_op.allow_spinning", options.spinning() ? "1" : "0");
            if (options.profilePrefix() != null) {
                so.enableProfiling(options.profilePrefix());
            }
            this.session = env.createSession(onnxModel, so);
        }
    }

    /** ONNX Runtime's version string. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    public Options options() {
        return options;
    }

    /**
     * Runs one batch.
     *
     * @param nhwc {@code n * height * width * 3} floats or more, NHWC (Not modified)
     * @return {@code n} new feature arrays
     * @throws OrtException if ONNX Runtime fails
     */
    public float[][] run(float[] nhwc, int n) throws OrtException {
        int len = height * width * 3;
        if (n < 1 || (long) n * len > nhwc.length) {
            throw new IllegalArgumentException("batch of " + n + " images needs " + ((long) n * len)
                    + " floats but the array holds " + nhwc.length);
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(nhwc, 0, n * len),
                new long[] {n, height, width, 3});
             OrtSession.Result r = session.run(Map.of("input", in))) {
            OnnxValue v = r.get(0);
            FloatBuffer out = ((OnnxTensor) v).getFloatBuffer();
            int d = out.remaining() / n;
            float[][] rows = new float[n][d];
            for (int i = 0; i < n; i++) {
                out.get(rows[i]);
            }
            return rows;
        }
    }

    /** Ends profiling (if on) and returns the JSON trace's path, or null. */
    public String endProfiling() throws OrtException {
        return options.profilePrefix() == null ? null : session.endProfiling();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /**
     * {@code max |a - b| / max |b|} over all rows: the relative disagreement of two feature batches.
     *
     * @param a,b the same number of rows of the same length (Not modified)
     */
    public static double relativeMaxDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("batches differ in rows: " + a.length + " vs " + b.length);
        }
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + " lengths differ: " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs((double) a[i][j] - b[i][j]));
                maxAbs = Math.max(maxAbs, Math.abs(b[i][j]));
            }
        }
        return maxAbs == 0 ? maxDiff : maxDiff / maxAbs;
    }
}
