package dev.orchard.internal.pca;

/**
 * Opens the chosen kernel ({@link GramKernels#open}) on the first block big enough to be worth it
 * (≥ {@value #MIN_ROWS} rows); smaller blocks use the pure-Java kernel. Closes what it opened. Not thread-safe.
 */
final class LazyGramKernel implements GramKernel {

    static final int MIN_ROWS = 32;

    private final JavaGramKernel small = new JavaGramKernel();
    private GramKernel opened;

    @Override
    public void gram(double[] x, int rows, int d, double[] g) {
        if (rows < MIN_ROWS) {
            small.gram(x, rows, d, g);
            return;
        }
        if (opened == null) {
            opened = GramKernels.open(d);
        }
        opened.gram(x, rows, d, g);
    }

    @Override
    public String name() {
        return opened == null ? "lazy" : opened.name();
    }

    @Override
    public void close() {
        if (opened != null) {
            opened.close();
            opened = null;
        }
    }
}
