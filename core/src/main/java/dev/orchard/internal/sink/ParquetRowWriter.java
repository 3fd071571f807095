package dev.orchard.internal.sink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes a table's rows straight into Parquet's column writers, with the repetition and definition levels of our
 * flat schemas computed here, instead of through a {@code RecordConsumer}: the record-shredding layer costs a
 * group start and end per list element (5 calls and a bit-set reset per float), which made writing a 1,280-float
 * feature row ≈ 70 µs of the Spark task thread; written by column it is a fraction of that
 * ({@code ParquetEncodeBenchmark}). The file is the same standard Parquet: same schema, Snappy, plain encoding
 * (dictionary only on the table's {@link Table#dictionaryColumns()}), row groups of at most
 * {@link ParquetFiles#ROW_GROUP_BYTES}, footer key {@code orchard.table}.
 *
 * <p>Columns are addressed by their index in {@link MessageType#getColumns()} (schema order). Supported shapes,
 * always written present (records have no null fields): {@code required} and {@code optional} primitives at the top
 * level, and the standard 3-level {@code optional group (LIST) { repeated group list { required element } }}, where
 * an empty vector is an empty list.
 */
final class ParquetRowWriter<T> implements Closeable {

    /** First row count at which the buffered size is checked, and the most rows between two checks. */
    private static final long MIN_ROWS_FOR_CHECK = 100;
    private static final long MAX_ROWS_FOR_CHECK = 10_000;

    private final Table<T> table;
    private final MessageType schema;
    private final List<ColumnDescriptor> descriptors;
    private final ParquetProperties props;
    private final CodecFactory codecs;
    private final CodecFactory.BytesCompressor compressor;
    private final ParquetFileWriter file;
    private final long rowGroupBytes;

    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private final ColumnWriter[] columns;
    private long rows;
    private long nextCheck = MIN_ROWS_FOR_CHECK;
    private boolean closed;

    ParquetRowWriter(Path path, Table<T> table, long rowGroupBytes) throws IOException {
        this.table = table;
        this.schema = table.schema();
        this.descriptors = schema.getColumns();
        this.rowGroupBytes = rowGroupBytes;
        ParquetProperties.Builder b = ParquetProperties.builder()
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withDictionaryEncoding(false);
        for (String column : table.dictionaryColumns()) {
            b = b.withDictionaryEncoding(column, true);
        }
        this.props = b.build();
        this.codecs = new CodecFactory(ParquetFiles.conf(), props.getPageSizeThreshold());
        this.compressor = codecs.getCompressor(CompressionCodecName.SNAPPY);
        this.file = new ParquetFileWriter(new ParquetFiles.LocalOutputFile(path), schema,
                ParquetFileWriter.Mode.OVERWRITE, rowGroupBytes, 0, props.getColumnIndexTruncateLength(),
                props.getStatisticsTruncateLength(), props.getPageWriteChecksumEnabled());
        this.columns = new ColumnWriter[descriptors.size()];
        try {
            file.start();
        } catch (IOException | RuntimeException e) {
            codecs.release();
            throw e;
        }
        newRowGroup();
    }

    private void newRowGroup() {
        pages = new ColumnChunkPageWriteStore(compressor, schema, props.getAllocator(),
                props.getColumnIndexTruncateLength(), props.getPageWriteChecksumEnabled());
        store = props.newColumnWriteStore(schema, pages, pages);
        for (int i = 0; i < columns.length; i++) {
            columns[i] = store.getColumnWriter(descriptors.get(i));
        }
    }

    /** Writes one row: {@link Table#writeRow} fills the columns, then the row ends. */
    void write(T record) throws IOException {
        table.writeRow(this, record);
        store.endRecord();
        rows++;
        if (rows >= nextCheck) {
            long buffered = store.getBufferedSize();
            if (buffered >= rowGroupBytes) {
                flushRowGroup();
                newRowGroup();
                nextCheck = MIN_ROWS_FOR_CHECK;
            } else {
                long perRow = Math.max(1, buffered / rows);
                long fit = (rowGroupBytes - buffered) / perRow;
                nextCheck = rows + Math.max(1, Math.min(MAX_ROWS_FOR_CHECK, fit / 2));
            }
        }
    }

    private void flushRowGroup() throws IOException {
        if (rows > 0) {
            file.startBlock(rows);
            store.flush();
            pages.flushToFileWriter(file);
            file.endBlock();
            rows = 0;
        }
        store.close();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushRowGroup();
            file.end(Map.of("orchard.table", table.folder()));
        } finally {
            codecs.release();
        }
    }

    /** A {@code required binary} (or {@code optional}, written present) string column. */
    void string(int column, String value) {
        columns[column].write(Binary.fromString(value), 0, descriptors.get(column).getMaxDefinitionLevel());
    }

    /** A {@code required int32} column. */
    void int32(int column, int value) {
        columns[column].write(value, 0, descriptors.get(column).getMaxDefinitionLevel());
    }

    /** The element column of an {@code optional group (LIST) { repeated group list { required float } }}. */
    void floatList(int column, float[] v) {
        list(column, v.length, (w, i, r, d) -> w.write(v[i], r, d));
    }

    /** As {@link #floatList} for {@code double} elements. */
    void doubleList(int column, double[] v) {
        list(column, v.length, (w, i, r, d) -> w.write(v[i], r, d));
    }

    /** Writes element {@code i} with repetition level {@code r} and definition level {@code d}. */
    @FunctionalInterface
    private interface Element {
        void write(ColumnWriter w, int i, int r, int d);
    }

    /** A 3-level list of {@code n} elements: an empty list is defined up to the list group, not null. */
    private void list(int column, int n, Element element) {
        ColumnWriter w = columns[column];
        int present = descriptors.get(column).getMaxDefinitionLevel();
        if (n == 0) {
            w.writeNull(0, present - 1);
            return;
        }
        element.write(w, 0, 0, present);
        for (int i = 1; i < n; i++) {
            element.write(w, i, 1, present);
        }
    }
}
