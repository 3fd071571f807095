package dev.orchard.internal.sink;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;

import org.apache.parquet.hadoop.ParquetReader;

import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;

/**
 * Streams the rows of one part file, Parquet or CSV by its extension, from local disk or S3 (a
 * Parquet object on S3 is first copied to a local temporary file, since Parquet reads the footer
 * first). Closing is idempotent and also happens when the last row has been read. Not thread-safe.
 */
final class PartReader<T> implements Iterator<T>, Closeable {

    private final String uri;
    private final Table<T> table;
    private ParquetReader<T> parquet;
    private Csv.CsvReader csv;
    private int csvWidth;
    private int csvColumns;
    private Path temp;
    private T next;
    private boolean closed;

    private PartReader(String uri, Table<T> table) {
        this.uri = uri;
        this.table = table;
    }

    static boolean isParquet(String uri) {
        return uri.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    static boolean isCsv(String uri) {
        return uri.toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    static <T> PartReader<T> open(String uri, Table<T> table, StorageOptions options) {
        PartReader<T> r = new PartReader<>(uri, table);
        try {
            Storage storage = Storages.forUri(uri, options);
            if (isParquet(uri)) {
                Path local;
                if (Storages.isS3(uri)) {
                    r.temp = Files.createTempFile("orchard-read-", ".parquet");
                    try (InputStream in = storage.open(uri)) {
                        Files.copy(in, r.temp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    local = r.temp;
                } else {
                    local = Storages.localPath(uri);
                }
                r.parquet = ParquetFiles.reader(local, table, uri);
            } else if (isCsv(uri)) {
                r.csv = new Csv.CsvReader(new BufferedReader(new InputStreamReader(storage.open(uri),
                        StandardCharsets.UTF_8), 1 << 16), uri);
                String[] header = r.csv.next();
                if (header == null) {
                    throw new PartFileException(uri, uri + " is empty: a CSV part file starts with a header row");
                }
                r.csvWidth = table.checkCsvHeader(header, uri);
                r.csvColumns = header.length;
            } else {
                throw new PartFileException(uri, uri + " is neither a .parquet nor a .csv part file");
            }
            r.advance();
            return r;
        } catch (IOException e) {
            r.close();
            throw new UncheckedIOException("Cannot read " + uri + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private void advance() throws IOException {
        if (parquet != null) {
            next = parquet.read();
        } else {
            String[] fields = csv.next();
            next = fields == null ? null : table.fromCsv(fields, csvWidth, csvColumns, uri, csv.recordLine());
        }
        if (next == null) {
            close();
        }
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public T next() {
        if (next == null) {
            throw new NoSuchElementException(uri);
        }
        T r = next;
        try {
            advance();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot read " + uri + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return r;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        next = null;
        try {
            if (parquet != null) {
                parquet.close();
            }
            if (csv != null) {
                csv.close();
            }
        } catch (IOException ignored) {
            // read-only resources
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
