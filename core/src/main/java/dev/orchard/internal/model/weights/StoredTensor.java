package dev.orchard.internal.model.weights;

import java.util.Arrays;

/**
 * One weight array in a file: its declared shape, known without reading its data, and a way to read it.
 * Callers compare {@link #shape()} with what they expect before calling {@link #read()}, so a file can
 * make Orchard allocate only what the architecture needs.
 */
public abstract class StoredTensor {

    private final String path;
    private final long[] shape;

    protected StoredTensor(String path, long[] shape) {
        this.path = path;
        this.shape = shape.clone();
    }

    /** Where the tensor is in the file, e.g. {@code /Conv1/Conv1/kernel:0} or {@code Conv1/kernel}. */
    public String path() {
        return path;
    }

    /** Declared shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** Element count of the declared shape, or -1 if it does not fit a Java array. */
    public long size() {
        long n = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && n > Integer.MAX_VALUE / d)) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    /**
     * Reads the values as float32, row-major, dequantized where the file stores them quantized.
     *
     * @throws WeightsException if the data cannot be read or is not as declared
     */
    public abstract float[] read();

    /** {@code [3, 3, 3, 32]}. */
    public static String format(long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return path + " " + format(shape);
    }
}
