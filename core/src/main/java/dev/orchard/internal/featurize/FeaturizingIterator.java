package dev.orchard.internal.featurize;

import dev.orchard.FeaturizeOptions;
import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.storage.Storages;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Streams one partition: pulls a batch of references, fetches and decodes it while the previous batch runs
 * in the model, then emits one {@link Featurized} per reference in input order. Holds at most two batches
 * in memory.
 *
 * <p><b>Two pools per executor JVM, shared by its tasks.</b> Fetching waits on storage (S3 latency), so it
 * runs on many threads ({@code fetchThreads} per core); decoding and resizing are CPU work, so they run on
 * fewer ({@link #decodeThreads}). One pool for both let up to 16 decoding threads on 2 cores preempt the
 * model's intra-op threads, and every TensorFlow op waits for its slowest shard. A pool per partition
 * meant new threads, and new native malloc arenas for the JPEG decoder, every partition (measured: RSS
 * crept up ~45 MB per 10k images before levelling off). Daemon threads; sized once from the first options
 * seen.
 */
final class FeaturizingIterator implements Iterator<Featurized>, AutoCloseable {

    private static final AtomicReference<ExecutorService> FETCH_POOL = new AtomicReference<>();
    private static final AtomicReference<ExecutorService> DECODE_POOL = new AtomicReference<>();

    private final Iterator<ImageRef> refs;
    private final LoadedModel model;
    private final ImageDecoder decoder;
    private final FeaturizeOptions options;
    private final LongAccumulator inferences;
    private final ExecutorService fetch;
    private final ExecutorService decode;
    private final ArrayDeque<Featurized> ready = new ArrayDeque<>();
    private CompletableFuture<Batch> pending;
    /**
     * The input array of the last batch that ran, reused for the next one: a MobileNetV2-224 batch of 32
     * is a 19 MB array, and allocating (zeroing) one per batch cost more than the resize of one image.
     */
    private float[] spare;
    private boolean closed;

    /** A batch being prepared: decoded inputs packed densely, plus errors by position. */
    private static final class Batch {
        final List<ImageRef> refs;
        final float[] inputs;
        final String[] errors;
        final int[] slot;

        Batch(List<ImageRef> refs, float[] inputs) {
            this.refs = refs;
            this.inputs = inputs;
            this.errors = new String[refs.size()];
            this.slot = new int[refs.size()];
        }
    }

    FeaturizingIterator(Iterator<ImageRef> refs, LoadedModel model, FeaturizeOptions options,
                        LongAccumulator inferences) {
        this.refs = refs;
        this.model = model;
        this.decoder = ImageDecoder.forModel(model.spec(), options.maxPixels());
        this.options = options;
        this.inferences = inferences;
        int cores = Runtime.getRuntime().availableProcessors();
        this.fetch = shared(FETCH_POOL, "orchard-fetch-", options.fetchThreads() * cores);
        this.decode = shared(DECODE_POOL, "orchard-decode-", decodeThreads(cores));
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> close());
        }
        this.pending = prepareNext();
    }

    /**
     * Decoding threads for an executor of {@code cores} cores: half of them, at least one (one on the
     * 2-core machine the benchmarks ran on). A 100x100 JPEG to 224x224 costs ~0.33 CPU-ms against the
     * model's ~10, so small images need a fraction of one thread; a 12-megapixel (4000x3000) JPEG costs
     * 92-107 CPU-ms to decode and resize (measured here), and needs several. Never more than half, so a
     * batch's decoding cannot take every core from the model's intra-op threads at once.
     */
    static int decodeThreads(int cores) {
        return Math.max(1, cores / 2);
    }

    /** The pool in {@code ref}, made on first use with {@code threads} daemon threads named {@code prefix}N. */
    private static ExecutorService shared(AtomicReference<ExecutorService> ref, String prefix, int threads) {
        ExecutorService p = ref.get();
        if (p == null) {
            synchronized (ref) {
                p = ref.get();
                if (p == null) {
                    p = daemonPool(prefix, threads);
                    ref.set(p);
                }
            }
        }
        return p;
    }

    private static ExecutorService daemonPool(String prefix, int threads) {
        AtomicInteger ids = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, prefix + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(Math.max(1, threads), tf);
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty()) {
            if (pending == null) {
                close();
                return false;
            }
            Batch batch = await(pending);
            pending = prepareNext();  // start fetching the next batch before running this one
            run(batch);
        }
        return true;
    }

    @Override
    public Featurized next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private CompletableFuture<Batch> prepareNext() {
        List<ImageRef> chunk = new ArrayList<>(options.batchSize());
        while (chunk.size() < options.batchSize() && refs.hasNext()) {
            chunk.add(refs.next());
        }
        if (chunk.isEmpty()) {
            return null;
        }
        int len = decoder.inputLength();
        float[] inputs = spare != null && spare.length >= chunk.size() * len ? spare : new float[chunk.size() * len];
        spare = null;
        Batch batch = new Batch(chunk, inputs);
        CompletableFuture<?>[] parts = new CompletableFuture<?>[chunk.size()];
        for (int i = 0; i < chunk.size(); i++) {
            int pos = i;
            parts[i] = CompletableFuture.supplyAsync(() -> fetch(batch, pos), fetch)
                    .thenAcceptAsync(bytes -> decode(batch, pos, bytes, len), decode);
        }
        return CompletableFuture.allOf(parts).thenApply(v -> compact(batch, len));
    }

    /** Reads one image's bytes; a failure is recorded at its position (and null returned), never thrown. */
    private byte[] fetch(Batch batch, int pos) {
        ImageRef ref = batch.refs.get(pos);
        try {
            if (ref.bytes() != null) {
                return ref.bytes();
            }
            return Storages.forUri(ref.fetchUri(), options.storage()).readAllBytes(ref.fetchUri());
        } catch (Exception e) {
            batch.errors[pos] = "cannot read: " + e.getMessage();
            return null;
        }
    }

    /** Decodes fetched bytes into their position; failures are recorded, never thrown. */
    private void decode(Batch batch, int pos, byte[] bytes, int len) {
        if (bytes == null) {
            return;
        }
        try {
            decoder.decodeInto(bytes, batch.inputs, pos * len);
        } catch (ImageDecodeException e) {
            batch.errors[pos] = e.getMessage();
        } catch (RuntimeException | OutOfMemoryError e) {
            batch.errors[pos] = "cannot decode: " + e;
        }
    }

    /** Moves decoded images to the front so the model sees a dense batch of the good ones. */
    private static Batch compact(Batch batch, int len) {
        int dense = 0;
        for (int i = 0; i < batch.refs.size(); i++) {
            if (batch.errors[i] != null) {
                batch.slot[i] = -1;
                continue;
            }
            if (dense != i) {
                System.arraycopy(batch.inputs, i * len, batch.inputs, dense * len, len);
            }
            batch.slot[i] = dense++;
        }
        return batch;
    }

    private void run(Batch batch) {
        int n = 0;
        for (int s : batch.slot) {
            if (s >= 0) {
                n++;
            }
        }
        float[][] out = n == 0 ? new float[0][] : model.run(batch.inputs, n);
        spare = batch.inputs;
        if (inferences != null && n > 0) {
            inferences.add(n);
        }
        for (int i = 0; i < batch.refs.size(); i++) {
            ImageRef ref = batch.refs.get(i);
            if (batch.slot[i] >= 0) {
                ready.add(Featurized.ok(new FeatureRecord(ref.uri(), ref.label(), ref.labelIndex(),
                        out[batch.slot[i]])));
            } else {
                ready.add(Featurized.failed(new ErrorRecord(ref.uri(), batch.errors[i])));
            }
        }
    }

    private static Batch await(CompletableFuture<Batch> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing a batch", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("preparing a batch failed", e.getCause());
        }
    }

    /**
     * Stops preparing batches for this partition: a batch still being fetched finishes on the shared pool
     * and is dropped. Safe to call twice (end of partition, then task completion).
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
    }
}
