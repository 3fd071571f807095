package dev.orchard.internal.storage;

import java.util.List;

/**
 * One level of a storage tree as a delimited listing sees it ({@link Storage#listLevel}): the child
 * "directories" and how many objects lie directly at this level. Memory is O(children), whatever the
 * number of objects below.
 *
 * @param children      URIs of the child directories (no trailing {@code /}), sorted
 * @param directObjects objects directly at this level (counted up to {@code flat}'s threshold)
 * @param flat          {@code true} when the level holds more direct objects than the caller's threshold: the
 *                      listing stopped there, so {@code children} and {@code directObjects} are incomplete and
 *                      the level should be split by key ranges instead
 */
public record PrefixLevel(List<String> children, long directObjects, boolean flat) {
    public PrefixLevel {
        children = List.copyOf(children);
    }
}
