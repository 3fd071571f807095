package dev.orchard.internal.source;

import dev.orchard.internal.storage.Storages;
import dev.orchard.internal.storage.StoredObject;
import java.io.Serializable;
import java.util.Iterator;
import java.util.TreeMap;

/**
 * What one listing partition holds, computed on the executor and collected keyed by partition index (a
 * retried task yields the same value once, unlike an accumulator). O(labels in the partition).
 */
final class RangeStats implements Serializable {

    private static final long serialVersionUID = 1L;

    final int partition;
    long images;
    long ignored;
    long bytes;
    final TreeMap<String, Long> perLabel = new TreeMap<>();

    RangeStats(int partition) {
        this.partition = partition;
    }

    static RangeStats of(int partition, Iterator<StoredObject> objects) {
        RangeStats s = new RangeStats(partition);
        while (objects.hasNext()) {
            StoredObject o = objects.next();
            if (ImageSource.isImage(o.uri())) {
                s.images++;
                s.bytes += Math.max(0, o.size());
                s.perLabel.merge(Storages.parentName(o.uri()), 1L, Long::sum);
            } else {
                s.ignored++;
            }
        }
        return s;
    }
}
