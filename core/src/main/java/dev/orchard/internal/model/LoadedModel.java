package dev.orchard.internal.model;

import dev.orchard.Precision;
import dev.orchard.ModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.proto.ThreadPoolOptionProto;
import org.tensorflow.types.TFloat32;

/**
 * One SavedModel loaded into TensorFlow (a {@link SavedModelBundle} and its session), ready to turn
 * batches of preprocessed images into feature vectors.
 *
 * <p><b>Who closes it.</b> It holds native memory (graph, session, weights) that only
 * {@link #close()} frees. Whoever called {@link ExecutorModels#load(ModelPackage)} or
 * {@link #load(Path, ModelSpec, int)} closes it; the shared per-executor instance from
 * {@link ExecutorModels#get} belongs to {@link ExecutorModels}, which closes it at JVM exit, so tasks
 * must <em>not</em> close that one.
 *
 * <p><b>Threads and streams.</b> Thread-safe. The model is loaded as one or more <em>streams</em>: independent
 * sessions of the same SavedModel, each with its own intra-op pool and its own single inference thread. A
 * {@link #run} takes an idle stream (waiting for one), so at most {@link #streams()} batches run at once, each on
 * its stream's thread, never on the caller's: with oneDNN on, every new thread that enters {@code Session.run}
 * gets native worker threads of its own that outlive the call, and Spark runs each task on a pooled thread that
 * comes and goes — measured here, a second run in the same JVM fell from 139 to 12 images/s with the load average
 * at 29 on 2 cores. Several one-thread streams beat one session with every core on small inputs, where a single
 * op cannot keep the cores busy (MobileNetV2 on 2 cores, ready batches: 2 × 1 thread 1.44–1.66× the images/s of
 * 1 × 2 threads at 96 px, 0.98–1.10× at 224 px; {@code benchmarks/README.md}). Every tensor a run creates is closed
 * before it returns.
 */
public final class LoadedModel implements AutoCloseable {

    /** One session with its own inference thread. */
    private static final class Stream {
        final SavedModelBundle bundle;
        final ExecutorService thread;

        Stream(SavedModelBundle bundle, int index) {
            this.bundle = bundle;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, index == 0 ? "orchard-inference" : "orchard-inference-" + index);
                t.setDaemon(true);
                return t;
            });
        }
    }

    private final List<Stream> streams;
    private final BlockingQueue<Stream> idle;
    private final ModelSpec spec;
    private final String location;
    private final Precision precision;
    private final int intraOpThreads;
    /** Runs share the read side; {@link #close()} takes the write side, so it waits for running batches. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private LoadedModel(List<SavedModelBundle> bundles, ModelSpec spec, String location, Precision precision,
                        int intraOpThreads) {
        this.intraOpThreads = intraOpThreads;
        this.spec = spec;
        this.location = location;
        this.precision = precision;
        List<Stream> ss = new ArrayList<>();
        for (SavedModelBundle b : bundles) {
            ss.add(new Stream(b, ss.size()));
        }
        this.streams = List.copyOf(ss);
        this.idle = new ArrayBlockingQueue<>(ss.size(), false, ss);
    }

    /**
     * Loads the SavedModel in {@code dir} (tag {@code serve}) with a session using
     * {@code intraOpThreads} threads inside each op and one op at a time, in {@link Precision#FP32}.
     *
     * @param dir            an unpacked SavedModel directory; it must stay on disk until loaded
     * @param spec           the resolved spec (see {@link ModelPackage#spec()})
     * @param intraOpThreads threads per op, in [1, 1024]; typically the cores of this executor
     * @throws ModelException if TensorFlow cannot load the model
     */
    public static LoadedModel load(Path dir, ModelSpec spec, int intraOpThreads) {
        return load(dir, spec, intraOpThreads, Precision.FP32);
    }

    /**
     * As {@link #load(Path, ModelSpec, int)}, with the session's arithmetic chosen:
     * {@link Precision#BF16} turns on grappler's oneDNN bfloat16 rewrite
     * ({@code auto_mixed_precision_onednn_bfloat16 = ON}; needs {@code TF_ENABLE_ONEDNN_OPTS=1} in the
     * environment). TensorFlow applies it on any CPU; without AVX512-BF16 or AMX the bf16 ops run on Eigen
     * fallback kernels, measured 3.8-5.4x slower than fp32 on a Zen 3 (callers that want speed check
     * {@link Precision#onThisCpu()} first, as {@code Featurizer} does).
     *
     * @param precision fp32 or bf16
     * @throws ModelException if TensorFlow cannot load the model
     */
    public static LoadedModel load(Path dir, ModelSpec spec, int intraOpThreads, Precision precision) {
        return load(dir, spec, 1, intraOpThreads, precision);
    }

    /**
     * As {@link #load(Path, ModelSpec, int, Precision)}, as {@code streams} independent sessions of
     * {@code intraOpThreads} threads each: up to {@code streams} batches run at once.
     *
     * @param streams sessions, in [1, 256]
     * @throws ModelException if TensorFlow cannot load the model (sessions already loaded are closed)
     */
    public static LoadedModel load(Path dir, ModelSpec spec, int streams, int intraOpThreads, Precision precision) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(precision, "precision");
        if (intraOpThreads < 1 || intraOpThreads > 1024) {
            throw new IllegalArgumentException("intraOpThreads must be in [1, 1024] but was " + intraOpThreads);
        }
        if (streams < 1 || streams > 256) {
            throw new IllegalArgumentException("streams must be in [1, 256] but was " + streams);
        }
        List<SavedModelBundle> bundles = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                bundles.add(loadBundle(dir, intraOpThreads, precision, streams > 1));
            }
        } catch (RuntimeException | Error e) {
            bundles.forEach(SavedModelBundle::close);
            throw e;
        }
        return new LoadedModel(bundles, spec, dir.toString(), precision, intraOpThreads);
    }

    /** The intra-op threads each of this model's sessions was created with. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** The independent sessions (streams) this model runs batches on; as many batches run at once. */
    public int streams() {
        return streams.size();
    }

    /** The threads a session gets when none is given: every core this JVM sees. */
    public static int defaultIntraOpThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    private static SavedModelBundle loadBundle(Path dir, int intraOpThreads, Precision precision,
                                               boolean ownInterOpPool) {
        SavedModelFiles.requireSavedModel(dir);
        ConfigProto config = sessionConfig(intraOpThreads, precision, ownInterOpPool);
        try {
            return SavedModelBundle.loader(dir.toString())
                    .withTags(SavedModelFiles.SERVE_TAG)
                    .withConfigProto(config)
                    .load();
        } catch (TensorFlowException | IllegalArgumentException e) {
            throw new ModelException(dir.toString(), "TensorFlow cannot load the SavedModel in " + dir + ": "
                    + e.getMessage() + " (is it complete, with its variables/ folder, and tagged 'serve'?)", e);
        }
    }

    /**
     * The session configuration: {@code intraOpThreads} threads per op, one op at a time (for fp32 streams on an
     * inter-op thread of the session's own), and for {@link Precision#BF16} the oneDNN bfloat16
     * auto-mixed-precision rewrite switched on (fp32 leaves every rewrite at TensorFlow's default).
     *
     * <p><b>The session's own inter-op pool.</b> Without {@code session_inter_op_thread_pool}, every session of the
     * process schedules its ops on TensorFlow's one global inter-op pool, sized by the first session created
     * ({@code TF_OVERRIDE_GLOBAL_THREADPOOL} does not change that pool), and an op with one intra-op thread runs on
     * the inter-op thread that schedules it: the streams of a fresh executor JVM (one-thread sessions) then all ran
     * on one thread. Measured (MobileNetV2-96, batch 32, 2 cores, fresh JVM, 2 streams of 1 thread): 647–682
     * images/s with 1.03–1.05 cores busy on the global pool, 994–1,083 images/s with 1.97 cores busy with a pool per
     * session; a whole fresh {@code orchard featurize} kept 49 % of the raw model's speed before
     * ({@code benchmarks/README.md}). Not in {@link Precision#BF16}: with a pool per session, native bf16 kernels
     * (AVX512-BF16) gave wrong features in 2 of 4 {@code orchard run --precision bf16} runs with
     * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=0} (1 of 14 on the global pool; see {@code PrecisionCheck}), so bf16
     * sessions keep the global pool and its one thread. Nor for a model loaded as one session (VGG16's layout, the
     * driver's fp32 recompute of a bf16 run's sample), which has no other stream to run beside: an fp32 session with
     * its own pool made a bf16 session loaded after it in the same JVM give wrong features in 2 of 6 runs of
     * {@code LoadedModelPrecisionTest} (0 of 8 with the global pool).
     *
     * @param ownInterOpPool whether an fp32 session gets its own inter-op pool (the model has several streams)
     */
    static ConfigProto sessionConfig(int intraOpThreads, Precision precision, boolean ownInterOpPool) {
        ConfigProto.Builder config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(1);
        if (precision == Precision.FP32 && ownInterOpPool) {
            config.addSessionInterOpThreadPool(ThreadPoolOptionProto.newBuilder().setNumThreads(1));
        }
        if (precision == Precision.BF16) {
            config.setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(RewriterConfig.newBuilder()
                    .setAutoMixedPrecisionOnednnBfloat16(RewriterConfig.Toggle.ON)));
        }
        return config.build();
    }

    /** The arithmetic this model's session was asked to use. */
    public Precision precision() {
        return precision;
    }

    /** What this model expects and produces. */
    public ModelSpec spec() {
        return spec;
    }

    /**
     * Runs one batch: {@code n} preprocessed images in, {@code n} feature vectors out.
     *
     * @param nhwc the images, {@code n * spec().inputLength()} floats in NHWC order (image, row,
     *             column, channel); a longer array is fine, only its first images are used
     *             (Not modified)
     * @param n    number of images in the batch, at least 1
     * @return {@code n} new arrays of {@code spec().featureDim()} floats
     * @throws ModelException if TensorFlow fails or the output is not {@code [n, featureDim]} floats
     */
    public float[][] run(float[] nhwc, int n) {
        Objects.requireNonNull(nhwc, "nhwc");
        int len = spec.inputLength();
        if (n < 1) {
            throw new IllegalArgumentException("batch size n must be >= 1 but was " + n);
        }
        if ((long) n * len > nhwc.length) {
            throw new IllegalArgumentException("batch of " + n + " images needs " + ((long) n * len)
                    + " floats (" + spec.imageHeight() + "x" + spec.imageWidth() + "x3 each) but the array holds "
                    + nhwc.length);
        }
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("model " + location + " is closed");
            }
            Stream stream;
            try {
                stream = idle.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelException(location, "Interrupted while waiting for a session of " + location, e);
            }
            try {
                Future<float[][]> result = stream.thread.submit(() -> runLocked(stream.bundle,
                        spec.inputTensor(), spec.outputTensor(), nhwc, n, spec.imageHeight(), spec.imageWidth(),
                        spec.featureDim(), location));
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    // The task was killed: the batch finishes on the stream's thread, its result unwanted; the
                    // stream is idle again only once it has.
                    Thread.currentThread().interrupt();
                    waitQuietly(result);
                    throw new ModelException(location, "Interrupted while running the model in " + location, e);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new ModelException(location, "Running the model in " + location + " failed: " + cause,
                            cause);
                }
            } finally {
                idle.add(stream);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for a batch whose caller was interrupted, keeping the interrupt for the caller. */
    private static void waitQuietly(Future<?> f) {
        boolean interrupted = false;
        while (true) {
            try {
                f.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One session run; every tensor (input and results) is closed before returning.
     *
     * @param expectedDim the feature dimension to insist on, or -1 to accept any
     */
    private static float[][] runLocked(SavedModelBundle bundle, String input, String output, float[] nhwc, int n,
                                       int h, int w, int expectedDim, String location) {
        long floats = (long) n * h * w * 3;
        try (TFloat32 in = TFloat32.tensorOf(Shape.of(n, h, w, 3), DataBuffers.of(nhwc, true, false).narrow(floats));
             Result result = bundle.session().runner().feed(input, in).fetch(output).run()) {
            Tensor t = result.get(0);
            if (!(t instanceof TFloat32 out)) {
                throw new ModelException(location, "Output " + output + " of " + location + " is "
                        + t.dataType() + ", not float32: pick a float output with --output-tensor");
            }
            Shape s = out.shape();
            if (s.numDimensions() != 2 || s.get(0) != n || (expectedDim > 0 && s.get(1) != expectedDim)) {
                throw new ModelException(location, "Output " + output + " of " + location + " has shape " + s
                        + " for a batch of " + n + ", expected [" + n + ", "
                        + (expectedDim > 0 ? expectedDim : "d") + "]");
            }
            int d = (int) s.get(1);
            float[] flat = new float[n * d];
            out.copyTo(DataBuffers.of(flat, false, false));
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new float[d];
                System.arraycopy(flat, i * d, rows[i], 0, d);
            }
            return rows;
        } catch (TensorFlowException | IllegalArgumentException e) {
            throw new ModelException(location, "Running the model in " + location + " failed (feed " + input
                    + ", fetch " + output + ", batch " + n + "x" + h + "x" + w + "x3): " + e.getMessage(), e);
        }
    }

    /**
     * The feature dimension of a model whose signature leaves it unknown: loads the model, runs one
     * all-zero image and reads the output width.
     */
    static int probeFeatureDim(Path dir, String input, String output, int h, int w) {
        try (SavedModelBundle bundle = loadBundle(dir, 1, Precision.FP32, false)) {
            float[][] out = runLocked(bundle, input, output, new float[h * w * 3], 1, h, w, -1, dir.toString());
            if (out[0].length < 1) {
                throw new ModelException(dir.toString(), "Output " + output + " of " + dir + " is empty");
            }
            return out[0].length;
        }
    }

    /** Frees the session, graph and weights. Safe to call more than once; waits for a running batch. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                for (Stream st : streams) {
                    st.thread.shutdown();
                    st.bundle.close();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
