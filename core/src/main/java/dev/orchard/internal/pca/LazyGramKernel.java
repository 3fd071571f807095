package dev.orchard.internal.pca;

import dev.orchard.PcaOptions;

/**
 * Opens the chosen kernel ({@link GramKernels#open}) on the first block big enough to be worth it
 * (≥ {@value #MIN_ROWS} rows); smaller blocks use the pure-Java kernel. Closes what it opened. Not thread-safe.
 */
final class LazyGramKernel implements GramKernel {

    static final int MIN_ROWS = 32;

    private final PcaOptions.Kernel choice;
    private final JavaGramKernel small = new JavaGramKernel();
    private GramKernel opened;
    private String fallback;

    LazyGramKernel(PcaOptions.Kernel choice) {
        this.choice = choice;
    }

    @Override
    public void gram(double[] x, int rows, int d, double[] g) {
        if (rows < MIN_ROWS) {
            small.gram(x, rows, d, g);
            return;
        }
        if (opened == null) {
            GramKernels.Opened o = GramKernels.open(d, choice);
            opened = o.kernel();
            fallback = o.fallback();
        }
        opened.gram(x, rows, d, g);
    }

    /** The kernel that did the blocks: the opened one, or {@code java} when every block was small. */
    @Override
    public String name() {
        return opened == null ? small.name() : opened.name();
    }

    /** Why the opened kernel is not the one asked for, or null. */
    String fallback() {
        return fallback;
    }

    @Override
    public void close() {
        if (opened != null) {
            opened.close();
            opened = null;
        }
    }
}
