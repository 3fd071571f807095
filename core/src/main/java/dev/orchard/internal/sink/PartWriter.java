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
 *
 * <p>One instance writes one table's part: {@link #write} each row, then {@link #finish}; {@link #close}
 * (always, in a {@code finally}) closes the writers and removes the temporary files. Several instances
 * can fill several tables from one pass over a partition (features and errors of a featurization).
 */
final class PartWriter<T> implements AutoCloseable {

    /** A written part and the width of its vectors (checked equal across parts on the driver). */
    record WrittenPart(PartFile file, int width) implements Serializable {}

    private final int partition;
    private final String root;
    private final Table<T> table;
    private final Set<OutputFormat> formats;
    private final StorageOptions options;
    private final Map<OutputFormat, Path> temps = new EnumMap<>(OutputFormat.class);
    private ParquetRowWriter<T> parquet;
    private Csv.CsvWriter csv;
    private long count;
    private int width = -1;

    /** @param root normalized output root URI */
    PartWriter(int partition, String root, Table<T> table, Set<OutputFormat> formats, StorageOptions options) {
        this.partition = partition;
        this.root = root;
        this.table = table;
        this.formats = formats;
        this.options = options;
    }

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
        try (PartWriter<T> w = new PartWriter<>(partition, root, table, formats, options)) {
            while (rows.hasNext()) {
                w.write(rows.next());
            }
            return w.finish(writeIfEmpty);
        }
    }

    /** Writes one row; the first one opens the files and fixes the vector width every later row must have. */
    void write(T r) {
        int w = table.width(r);
        try {
            if (count == 0) {
                open(w);
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
        } catch (IOException e) {
            throw failed(e);
        }
        count++;
    }

    /**
     * Closes the files and uploads them; returns what was written, or nothing if no row was and
     * {@code writeIfEmpty} is off (with it on, a schema or header and no rows).
     */
    List<WrittenPart> finish(boolean writeIfEmpty) {
        try {
            if (count == 0) {
                if (!writeIfEmpty) {
                    return List.of();
                }
                open(0);
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
            throw failed(e);
        }
    }

    private UncheckedIOException failed(IOException e) {
        return new UncheckedIOException("Cannot write " + table.folder() + " partition " + partition
                + ": " + e.getMessage(), e);
    }

    private void open(int w) throws IOException {
        width = w;
        for (OutputFormat f : formats) {
            temps.put(f, Files.createTempFile("orchard-" + table.folder() + "-" + partition + "-",
                    "." + f.extension()));
        }
        parquet = temps.containsKey(OutputFormat.PARQUET)
                ? ParquetFiles.writer(temps.get(OutputFormat.PARQUET), table) : null;
        csv = temps.containsKey(OutputFormat.CSV) ? csv(temps.get(OutputFormat.CSV), table, width) : null;
    }

    /** Closes what is still open and removes the temporary files (best effort: they are in java.io.tmpdir). */
    @Override
    public void close() {
        closeQuietly(parquet);
        closeQuietly(csv);
        parquet = null;
        csv = null;
        for (Path p : temps.values()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a temp file in java.io.tmpdir
            }
        }
        temps.clear();
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
