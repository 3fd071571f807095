package dev.orchard.samples;

import dev.orchard.internal.model.arch.SampleCnn;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Exports the sample model: {@link SampleCnn} with seed {@value #SEED} — <b>seeded random weights,
 * not pretrained</b> — for 100×100 inputs and 128 features, to {@code data-samples/models/sample-cnn}.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -pl data-samples -am compile exec:java \
 *   -Dexec.mainClass=dev.orchard.samples.SampleModelGenerator -Dexec.args="data-samples/models/sample-cnn"
 * </pre>
 */
public final class SampleModelGenerator {

    /** The sample model's seed. */
    public static final long SEED = 20240601L;

    private SampleModelGenerator() {}

    /** {@code args[0]}: output folder (default {@code data-samples/models/sample-cnn}). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "data-samples/models/sample-cnn");
        SampleCnn.export(out, SEED);
        System.out.println("Exported SampleCnn (seed " + SEED + ", 100x100 -> 128, unit preprocessing) to "
                + out.toAbsolutePath().normalize());
    }
}
