package dev.orchard.internal.pca;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The machine's native BLAS and LAPACK, through {@code dev.ludovic.netlib} (the JNI bindings Spark's MLlib uses):
 * they {@code dlopen} the system's {@code libblas.so.3} / {@code liblapack.so.3}, which Debian and Ubuntu point at
 * OpenBLAS once {@code libopenblas0-pthread} (or {@code -openmp}) is installed, and at the slow reference
 * implementation otherwise. Orchard uses them only when the library that was loaded is an optimized one
 * (OpenBLAS, MKL, BLIS, ATLAS, found in {@code /proc/self/maps}): the reference BLAS is slower than Orchard's own
 * Java kernel.
 *
 * <p>Looked up once per JVM; thread-safe. OpenBLAS's own thread count ({@code OPENBLAS_NUM_THREADS}, default: all
 * cores) applies to each call; see {@code benchmarks/README.md} for what it does to executors running one task
 * per core.
 */
final class NativeLinalg {

    private static final class Holder {
        static final NativeLinalg INSTANCE = load();
    }

    private final BLAS blas;
    private final LAPACK lapack;
    private final String description;

    private NativeLinalg(BLAS blas, LAPACK lapack, String description) {
        this.blas = blas;
        this.lapack = lapack;
        this.description = description;
    }

    /** The JVM's native linear algebra (looked up on first use). */
    static NativeLinalg get() {
        return Holder.INSTANCE;
    }

    /** An optimized native BLAS, or null (then {@link #describe()} says why). */
    BLAS blas() {
        return blas;
    }

    /** The native LAPACK when the BLAS is an optimized one (it comes from the same library), or null. */
    LAPACK lapack() {
        return lapack;
    }

    /** The library that was loaded ("native BLAS: /usr/lib/.../libblas.so.3"), or why none is used. */
    String describe() {
        return description;
    }

    private static NativeLinalg load() {
        NativeBLAS blas;
        try {
            blas = NativeBLAS.getInstance();
        } catch (RuntimeException | LinkageError e) {
            return new NativeLinalg(null, null, "no native BLAS (" + e.getMessage() + ")");
        }
        String lib = loadedLibrary("blas");
        if (lib == null || !optimized(lib)) {
            return new NativeLinalg(null, null, "native BLAS " + (lib == null ? "of unknown origin" : lib)
                    + " is not an optimized one (install OpenBLAS: libopenblas0-pthread)");
        }
        LAPACK lapack;
        try {
            lapack = NativeLAPACK.getInstance();
        } catch (RuntimeException | LinkageError e) {
            lapack = null;
        }
        String lapackLib = lapack == null ? null : loadedLibrary("lapack");
        if (lapackLib != null && !optimized(lapackLib)) {
            lapack = null;
        }
        return new NativeLinalg(blas, lapack, "native BLAS " + lib
                + (lapack == null ? ", no optimized native LAPACK" : ", LAPACK " + lapackLib));
    }

    private static boolean optimized(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.contains("openblas") || p.contains("mkl") || p.contains("blis") || p.contains("atlas");
    }

    /** Resolved path of the first mapped shared library whose name contains {@code lib<name>} (Linux only). */
    private static String loadedLibrary(String name) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return null;
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.startsWith("/") && p.contains("lib" + name) && p.contains(".so")
                            && !p.contains("netlib"))
                    .findFirst()
                    .map(p -> {
                        try {
                            return Path.of(p).toRealPath().toString();
                        } catch (IOException e) {
                            return p;
                        }
                    })
                    .orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
