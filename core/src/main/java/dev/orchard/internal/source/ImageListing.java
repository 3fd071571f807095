package dev.orchard.internal.source;

import java.util.List;

/**
 * What the driver found under an input URI.
 *
 * @param root        the normalized input URI
 * @param images      the selected images, sorted by URI (deterministic partitioning)
 * @param labels      the distinct labels, sorted; an image's {@code labelIndex} points here
 * @param ignored     objects under the root that are not images by extension (not featurized, not errors)
 */
public record ImageListing(String root, List<ImageRef> images, List<String> labels, long ignored) {
    public ImageListing {
        images = List.copyOf(images);
        labels = List.copyOf(labels);
    }

    public int size() {
        return images.size();
    }
}
