package dev.orchard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Orchard: images to compact, model-ready features on Spark.
 *
 * <p>The pipeline, stage by stage, one package each:
 * {@link dev.orchard.internal.source source} (list images, label by folder) →
 * {@link dev.orchard.internal.model model} (SavedModel broadcast once, loaded once per executor) →
 * {@link dev.orchard.internal.featurize featurize} (batched TensorFlow runs, errors kept with their reason) →
 * {@link dev.orchard.internal.pca pca} (one-pass distributed covariance, EJML eigendecomposition) →
 * {@link dev.orchard.internal.sink sink} (Parquet/CSV part files, all-or-nothing commit) →
 * {@link dev.orchard.internal.report report}.
 */
public final class Orchard {

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static final String VERSION = readVersion();

    private Orchard() {}

    private static String readVersion() {
        try (InputStream in = Orchard.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
