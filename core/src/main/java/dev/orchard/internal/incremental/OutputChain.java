package dev.orchard.internal.incremental;

import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.internal.storage.Storages;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed outputs a run builds on: those named, and, through each manifest's {@code continuedFrom},
 * those they continued from, oldest first. An image's row in a later output replaces its row in an earlier
 * one ("latest wins"), and a later output's {@code changes/} retires images that are no longer listed.
 *
 * <p>Order: by the manifests' {@code createdAt} (an output is always committed after the outputs it
 * continued from), ties by root URI, so the order is the same whichever way the outputs were named.
 *
 * @param outputs the outputs, oldest first; never empty
 */
public record OutputChain(List<Link> outputs) implements Serializable {

    /**
     * One committed output of the chain.
     *
     * @param root     the output's root URI, normalized
     * @param manifest its {@code _SUCCESS} manifest
     */
    public record Link(String root, Manifest manifest) implements Serializable {}

    public OutputChain {
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("an output chain holds at least one output");
        }
    }

    /**
     * Resolves the outputs named by {@code uris} (output roots, or their {@code features/} folders) and
     * every output they continued from.
     *
     * @throws StorageException if one of them is not a committed Orchard output (no {@code _SUCCESS})
     */
    public static OutputChain resolve(List<String> uris, StorageOptions options) {
        if (uris == null || uris.isEmpty()) {
            throw new IllegalArgumentException("name at least one earlier output");
        }
        Map<String, Link> found = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String u : uris) {
            todo.add(rootOf(u));
        }
        while (!todo.isEmpty()) {
            String root = todo.poll();
            if (found.containsKey(root)) {
                continue;
            }
            if (!OutputCommitter.isCommitted(root, options)) {
                throw new StorageException(root, root + " is not a committed Orchard output (no "
                        + OutputCommitter.SUCCESS + "): pass the output folder of a run that finished");
            }
            Manifest m = Manifest.read(root, options);
            found.put(root, new Link(root, m));
            for (String earlier : m.continuedFrom()) {
                todo.add(rootOf(earlier));
            }
        }
        List<Link> links = new ArrayList<>(found.values());
        links.sort(Comparator.comparing((Link l) -> l.manifest().createdAt()).thenComparing(Link::root));
        return new OutputChain(links);
    }

    /** The output root of {@code uri}: itself, or its parent when it names a table folder. */
    public static String rootOf(String uri) {
        String u = Storages.normalize(uri);
        for (String table : List.of("/features", "/errors", "/pca", "/changes")) {
            if (u.endsWith(table)) {
                return u.substring(0, u.length() - table.length());
            }
        }
        return u;
    }

    /** The roots, oldest first. */
    public List<String> roots() {
        return outputs.stream().map(Link::root).toList();
    }

    /** Whether {@code uri} is (the root of) one of the chain's outputs. */
    public boolean contains(String uri) {
        return roots().contains(rootOf(uri));
    }

    /**
     * The feature specification (model preprocessing, input size, dimension) the chain's outputs recorded in
     * their configuration under {@code featureSpec}; outputs written before it was recorded are skipped.
     *
     * @throws IllegalArgumentException if two outputs of the chain recorded different ones
     */
    public Map<String, String> featureSpec() {
        Map<String, String> spec = null;
        String from = null;
        for (Link l : outputs) {
            if (l.manifest().configuration().get(FeatureSpecs.KEY) instanceof Map<?, ?> m) {
                Map<String, String> s = FeatureSpecs.copy(m);
                if (spec != null && !spec.equals(s)) {
                    throw new IllegalArgumentException("The outputs " + from + " and " + l.root()
                            + " hold features of different models (" + FeatureSpecs.describe(spec) + " vs "
                            + FeatureSpecs.describe(s) + "): they cannot be read as one");
                }
                spec = s;
                from = l.root();
            }
        }
        return spec;
    }
}
