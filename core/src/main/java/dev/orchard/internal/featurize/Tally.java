package dev.orchard.internal.featurize;

import dev.orchard.ErrorRecord;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a featurization's report needs from its results, gathered in the same pass that writes them (or in one
 * action when nothing was written): featurized and failed counts, featurized images per label, failures per
 * kind, and the first {@link #MAX_EXAMPLES} failures. Mergeable per partition, in partition order.
 */
public final class Tally implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Failed images kept as examples. */
    public static final int MAX_EXAMPLES = 20;

    private long ok;
    private long failed;
    private final TreeMap<String, Long> perLabel = new TreeMap<>();
    private final TreeMap<String, Long> perKind = new TreeMap<>();
    private final List<ErrorRecord> examples = new ArrayList<>();

    /** Counts one outcome. */
    public void add(Featurized f) {
        if (f.isOk()) {
            ok++;
            perLabel.merge(f.features().label(), 1L, Long::sum);
        } else {
            failed++;
            perKind.merge(kind(f.error().reason()), 1L, Long::sum);
            if (examples.size() < MAX_EXAMPLES) {
                examples.add(f.error());
            }
        }
    }

    /** The tally of a whole partition. */
    public static Tally of(Iterator<Featurized> outcomes) {
        Tally t = new Tally();
        outcomes.forEachRemaining(t::add);
        return t;
    }

    /** Adds {@code later} (a later partition's tally) to this one; returns this. */
    public Tally merge(Tally later) {
        ok += later.ok;
        failed += later.failed;
        later.perLabel.forEach((k, v) -> perLabel.merge(k, v, Long::sum));
        later.perKind.forEach((k, v) -> perKind.merge(k, v, Long::sum));
        for (ErrorRecord e : later.examples) {
            if (examples.size() >= MAX_EXAMPLES) {
                break;
            }
            examples.add(e);
        }
        return this;
    }

    public long featurized() {
        return ok;
    }

    public long failed() {
        return failed;
    }

    /** Featurized images per label, sorted by label; labels with none are absent. */
    public Map<String, Long> perLabel() {
        return Collections.unmodifiableMap(perLabel);
    }

    /** Failures per kind, most frequent first (ties by kind). */
    public List<Map.Entry<String, Long>> perKind() {
        return perKind.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .map(e -> Map.entry(e.getKey(), e.getValue()))
                .toList();
    }

    /** Up to {@link #MAX_EXAMPLES} failures, the first partitions' first. */
    public List<ErrorRecord> examples() {
        return List.copyOf(examples);
    }

    /** The kind of failure: the reason up to its first colon ("corrupt or truncated image", ...). */
    public static String kind(String reason) {
        int colon = reason.indexOf(':');
        return colon > 0 ? reason.substring(0, colon) : reason;
    }
}
