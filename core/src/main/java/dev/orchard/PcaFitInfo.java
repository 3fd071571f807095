package dev.orchard;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link PcaModel} was computed: which kernels ran and what fell back. Describes the fit, not the model:
 * it is not part of {@code pca-model.json} nor of {@link PcaModel#equals}.
 *
 * @param gramKernel   the executors' Gram kernels, "+"-joined when partitions differed: {@code blas},
 *                     {@code tensorflow}, {@code java} (as in {@link PcaOptions.Kernel}, lower case)
 * @param eigensolver  the driver's eigensolver that produced the components: {@code top-k}, {@code lapack},
 *                     {@code tensorflow} or {@code ejml}
 * @param detail       one line on the eigensolver's work, e.g. for {@code top-k} the Krylov basis size, restarts,
 *                     matrix products and largest relative residual
 * @param fallbacks    one line per fallback taken (also logged at WARN), empty when everything ran as chosen
 * @param eigenSeconds wall time of the driver's step (covariance, eigensolver, model), in seconds
 */
public record PcaFitInfo(String gramKernel, String eigensolver, String detail, List<String> fallbacks,
                         double eigenSeconds) implements Serializable {

    /** For models read from {@code pca-model.json}: nothing is known about the fit. */
    public static final PcaFitInfo UNKNOWN = new PcaFitInfo("unknown", "unknown", "", List.of(), 0);

    public PcaFitInfo {
        Objects.requireNonNull(gramKernel, "gramKernel");
        Objects.requireNonNull(eigensolver, "eigensolver");
        Objects.requireNonNull(detail, "detail");
        fallbacks = List.copyOf(fallbacks);
    }
}
