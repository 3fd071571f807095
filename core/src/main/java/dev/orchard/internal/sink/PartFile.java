package dev.orchard.internal.sink;

import java.io.Serializable;
import java.util.Objects;

/**
 * One file of a committed output, as listed in the {@code _SUCCESS} manifest.
 *
 * @param path  path relative to the output root with {@code /} separators, e.g.
 *              {@code features/part-00003.parquet} or {@code pca-model.json}
 * @param rows  data rows in a part file (header excluded); 0 for files that are not tables
 *              ({@code pca-model.json}, {@code report.json}, {@code report.html})
 * @param bytes size of the file in bytes
 */
public record PartFile(String path, long rows, long bytes) implements Serializable {

    public PartFile {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/") || path.contains("://")) {
            throw new IllegalArgumentException("path must be relative to the output root but was '" + path + "'");
        }
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0 but was " + rows + " for " + path);
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0 but was " + bytes + " for " + path);
        }
    }
}
