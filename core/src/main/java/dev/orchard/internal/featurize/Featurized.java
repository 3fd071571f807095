package dev.orchard.internal.featurize;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import java.io.Serializable;

/**
 * The outcome for one image: its features, or the reason it could not be featurized. Exactly one of the
 * two is non-null, so every listed image is accounted for.
 */
public record Featurized(FeatureRecord features, ErrorRecord error) implements Serializable {

    public Featurized {
        if ((features == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of features and error must be set");
        }
    }

    public static Featurized ok(FeatureRecord features) {
        return new Featurized(features, null);
    }

    public static Featurized failed(ErrorRecord error) {
        return new Featurized(null, error);
    }

    public boolean isOk() {
        return features != null;
    }

    public String imageId() {
        return isOk() ? features.imageId() : error.imageId();
    }
}
