package dev.orchard;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** File format of the part files under {@code features/}, {@code pca/} and {@code errors/}. */
public enum OutputFormat {
    /** Apache Parquet, Snappy-compressed; the default. */
    PARQUET("parquet"),
    /** RFC 4180 CSV with a header row, UTF-8, {@code \n} line ends. */
    CSV("csv");

    private final String extension;

    OutputFormat(String extension) {
        this.extension = extension;
    }

    /** File name extension without the dot: {@code parquet} or {@code csv}. */
    public String extension() {
        return extension;
    }

    /**
     * Parses the {@code --format} flag: {@code parquet}, {@code csv} or {@code both}
     * (case-insensitive).
     *
     * @return an unmodifiable, non-empty set in declaration order (Parquet first)
     * @throws IllegalArgumentException on any other value, naming it and the accepted ones
     */
    public static Set<OutputFormat> parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "parquet" -> Collections.unmodifiableSet(EnumSet.of(PARQUET));
            case "csv" -> Collections.unmodifiableSet(EnumSet.of(CSV));
            case "both" -> Collections.unmodifiableSet(EnumSet.of(PARQUET, CSV));
            default -> throw new IllegalArgumentException(
                    "--format must be parquet, csv or both but was '" + value + "'");
        };
    }
}
