package dev.orchard.internal.source;

import dev.orchard.internal.storage.KeyRange;
import java.io.Serializable;
import java.util.List;

/**
 * What the driver discovered under an input URI, in memory O(prefixes): the key ranges the executors list
 * (one Spark task each), sorted so that a rerun makes the same tasks in the same order.
 *
 * @param root   the normalized input URI
 * @param ranges the listing's parts: usually one per class folder, or key ranges when a level is huge and flat
 */
public record Prefixes(String root, List<KeyRange> ranges) implements Serializable {
    public Prefixes {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("No prefix to list under " + root);
        }
    }

    public int size() {
        return ranges.size();
    }
}
