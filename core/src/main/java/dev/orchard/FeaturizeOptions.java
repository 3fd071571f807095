package dev.orchard;

import dev.orchard.internal.featurize.ImageDecoder;
import java.io.Serializable;
import java.util.Objects;

/**
 * How featurization runs on executors.
 *
 * @param batchSize   images per {@code Session.run}
 * @param maxPixels   images with more pixels are refused before being decoded (decompression bombs)
 * @param fetchThreads concurrent fetches per task, so storage latency overlaps inference
 * @param storage     how executors reach the images
 * @param precision   the arithmetic asked of the executors' TensorFlow sessions (default {@link Precision#FP32};
 *                    bf16 runs as fp32 on CPUs without bf16 instructions, see {@link Precision#onCpu})
 */
public record FeaturizeOptions(int batchSize, long maxPixels, int fetchThreads, StorageOptions storage,
                               Precision precision) implements Serializable {

    /**
     * Measured default (benchmarks/README.md, MobileNetV2-224, 2 cores, oneDNN): CPU-ms per image 15.1 at batch 1,
     * 10.5 at 8, 10.3 at 32, 10.2 at 64; 32 is within 1 % of 64 at half the memory (a 19 MB input batch at
     * 224 px) and leaves enough batches per partition for fetching to overlap inference.
     */
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_FETCH_THREADS = 8;

    public FeaturizeOptions {
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("batch size must be in [1, 4096] but was " + batchSize);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be >= 1 but was " + maxPixels);
        }
        if (fetchThreads < 1) {
            throw new IllegalArgumentException("fetchThreads must be >= 1 but was " + fetchThreads);
        }
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(precision, "precision");
    }

    /** Options in {@link Precision#FP32}. */
    public FeaturizeOptions(int batchSize, long maxPixels, int fetchThreads, StorageOptions storage) {
        this(batchSize, maxPixels, fetchThreads, storage, Precision.FP32);
    }

    public static FeaturizeOptions defaults() {
        return new FeaturizeOptions(DEFAULT_BATCH_SIZE, ImageDecoder.DEFAULT_MAX_PIXELS, DEFAULT_FETCH_THREADS,
                StorageOptions.defaults());
    }

    public FeaturizeOptions withBatchSize(int n) {
        return new FeaturizeOptions(n, maxPixels, fetchThreads, storage, precision);
    }

    public FeaturizeOptions withStorage(StorageOptions s) {
        return new FeaturizeOptions(batchSize, maxPixels, fetchThreads, s, precision);
    }

    public FeaturizeOptions withMaxPixels(long p) {
        return new FeaturizeOptions(batchSize, p, fetchThreads, storage, precision);
    }

    public FeaturizeOptions withPrecision(Precision p) {
        return new FeaturizeOptions(batchSize, maxPixels, fetchThreads, storage, p);
    }
}
