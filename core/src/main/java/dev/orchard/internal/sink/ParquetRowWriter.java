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
import org.apache.parquet.schema.Type;

/**
 * Writes a table's rows straight into Parquet's column writers, with the repetition and definition levels of our
 * flat schemas computed here, instead of through a {@code RecordConsumer}: the record-shredding layer costs a
 * group start and end per list element (5 calls and a bit-set reset per float), which made writing a 1,280-float
 * feature row ≈ 70 µs of the Spark task thread; written by column it is a fraction of that
 * ({@code ParquetEncodeBenchmark}); the element columns of vectors go further, a vector at a time
 * ({@link VectorColumnWriter}). The file is the same standard Parquet: same schema, Snappy, plain encoding
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

    /** The top-level primitive columns, written through Parquet's column writers. */
    private final MessageType scalarSchema;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private final ColumnWriter[] columns;
    private final VectorColumnWriter[] vectors;
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
        this.scalarSchema = new MessageType(schema.getName(), schema.getFields().stream()
                .filter(Type::isPrimitive).toList());
        this.columns = new ColumnWriter[descriptors.size()];
        this.vectors = new VectorColumnWriter[descriptors.size()];
        for (String column : table.dictionaryColumns()) {
            if (!scalarSchema.containsField(column)) {
                throw new IllegalArgumentException("dictionary encoding is for top-level columns, not " + column);
            }
        }
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
        store = props.newColumnWriteStore(scalarSchema, pages, pages);
        for (int i = 0; i < columns.length; i++) {
            ColumnDescriptor d = descriptors.get(i);
            if (d.getPath().length == 1) {
                columns[i] = store.getColumnWriter(d);
                vectors[i] = null;
            } else {
                columns[i] = null;
                vectors[i] = new VectorColumnWriter(d, pages.getPageWriter(d), props);
            }
        }
    }

    private long bufferedSize() {
        long bytes = store.getBufferedSize();
        for (VectorColumnWriter v : vectors) {
            if (v != null) {
                bytes += v.bufferedSize();
            }
        }
        return bytes;
    }

    /** Writes one row: {@link Table#writeRow} fills the columns, then the row ends. */
    void write(T record) throws IOException {
        table.writeRow(this, record);
        store.endRecord();
        rows++;
        if (rows >= nextCheck) {
            long buffered = bufferedSize();
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
            for (VectorColumnWriter v : vectors) {
                if (v != null) {
                    v.flushPage();
                }
            }
            pages.flushToFileWriter(file);
            file.endBlock();
            rows = 0;
        }
        store.close();
        for (VectorColumnWriter v : vectors) {
            if (v != null) {
                v.close();
            }
        }
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

    /**
     * The element column of an {@code optional group (LIST) { repeated group list { required float } }}: an
     * empty vector is an empty list (defined up to the list group), not null.
     */
    void floatList(int column, float[] v) {
        vectors[column].write(v);
    }

    /** As {@link #floatList} for {@code double} elements. */
    void doubleList(int column, double[] v) {
        vectors[column].write(v);
    }
}
