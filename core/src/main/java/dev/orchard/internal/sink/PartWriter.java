package dev.orchard.internal.sink;

import dev.orchard.OutputFormat;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;


import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;

/**
 * Writes one partition of a table, on an executor: streams the rows once into a local temporary
 * file per format, then uploads each to its deterministic name {@code <table>/part-%05d.<ext>}.
 * A retried or speculative attempt of the same partition replaces the same objects, so a table
 * never holds two copies of a partition. An empty partition writes nothing.
 */
final class PartWriter {

    /** A written part and the width of its vectors (checked equal across parts on the driver). */
    record WrittenPart(PartFile file, int width) implements Serializable {}

    private PartWriter() {}

    /** {@code features/part-00003.parquet} for partition 3. */
    static String partPath(Table<?> table, int partition, OutputFormat format) {
        return String.format(Locale.ROOT, "%s/part-%05d.%s", table.folder(), partition, format.extension());
    }

    /**
     * Consumes {@code rows} exactly once and returns the files written, or nothing for an empty
     * partition. Temporary files are removed and writers closed whether it succeeds or fails.
     *
     * @param root normalized output root URI
     */
    static <T> List<WrittenPart> writePartition(int partition, Iterator<T> rows, String root, Table<T> table,
            Set<OutputFormat> formats, StorageOptions options) {
        return writePartition(partition, rows, root, table, formats, options, false);
    }

    /**
     * As {@link #writePartition(int, Iterator, String, Table, Set, StorageOptions)}, and with
     * {@code writeIfEmpty} an empty partition still writes its files: a schema (Parquet) or a header
     * (CSV, vector width 0) and no rows.
     */
    static <T> List<WrittenPart> writePartition(int partition, Iterator<T> rows, String root, Table<T> table,
            Set<OutputFormat> formats, StorageOptions options, boolean writeIfEmpty) {
        Map<OutputFormat, Path> temps = new EnumMap<>(OutputFormat.class);
        ParquetRowWriter<T> parquet = null;
        Csv.CsvWriter csv = null;
        long count = 0;
        int width = -1;
        try {
            while (rows.hasNext()) {
                T r = rows.next();
                int w = table.width(r);
                if (count == 0) {
                    width = w;
                    open(partition, table, formats, width, temps);
                    parquet = temps.containsKey(OutputFormat.PARQUET)
                            ? ParquetFiles.writer(temps.get(OutputFormat.PARQUET), table) : null;
                    csv = temps.containsKey(OutputFormat.CSV) ? csv(temps.get(OutputFormat.CSV), table, width) : null;
                } else if (w != width) {
                    throw new IllegalArgumentException(table.folder() + " row " + count + " of partition "
                            + partition + " (" + table.id(r) + ") has " + w + " values but the rows before it have "
                            + width + ": every vector of a table must have the same length");
                }
                if (parquet != null) {
                    parquet.write(r);
                }
                if (csv != null) {
                    table.writeCsv(csv, r);
                }
                count++;
            }
            if (count == 0) {
                if (!writeIfEmpty) {
                    return List.of();
                }
                width = 0;
                open(partition, table, formats, width, temps);
                parquet = temps.containsKey(OutputFormat.PARQUET)
                        ? ParquetFiles.writer(temps.get(OutputFormat.PARQUET), table) : null;
                csv = temps.containsKey(OutputFormat.CSV) ? csv(temps.get(OutputFormat.CSV), table, width) : null;
            }
            if (parquet != null) {
                ParquetRowWriter<T> p = parquet;
                parquet = null;
                p.close();
            }
            if (csv != null) {
                Csv.CsvWriter c = csv;
                csv = null;
                c.close();
            }
            Storage storage = Storages.forUri(root, options);
            List<WrittenPart> out = new ArrayList<>();
            for (Map.Entry<OutputFormat, Path> e : temps.entrySet()) {
                String rel = partPath(table, partition, e.getKey());
                String uri = Storage.join(root, rel);
                long bytes = Files.size(e.getValue());
                try {
                    storage.upload(e.getValue(), uri);
                } catch (IOException ex) {
                    throw new StorageException(uri, "Cannot write " + uri + ": " + ex.getMessage(), ex);
                }
                out.add(new WrittenPart(new PartFile(rel, count, bytes), width));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + table.folder() + " partition " + partition
                    + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(parquet);
            closeQuietly(csv);
            for (Path p : temps.values()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp file in java.io.tmpdir
                }
            }
        }
    }

    private static void open(int partition, Table<?> table, Set<OutputFormat> formats, int width,
                             Map<OutputFormat, Path> temps) throws IOException {
        for (OutputFormat f : formats) {
            temps.put(f, Files.createTempFile("orchard-" + table.folder() + "-" + partition + "-",
                    "." + f.extension()));
        }
    }

    private static Csv.CsvWriter csv(Path file, Table<?> table, int width) throws IOException {
        Csv.CsvWriter csv = new Csv.CsvWriter(new BufferedWriter(new OutputStreamWriter(
                Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16));
        for (String h : table.csvHeader(width)) {
            csv.field(h);
        }
        csv.endRecord();
        return csv;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing; the temporary file is deleted anyway
            }
        }
    }
}
