package dev.orchard.internal.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.DoubleStatistics;
import org.apache.parquet.column.statistics.FloatStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The element column of a 3-level list of {@code float} or {@code double}, written a whole vector at a time: the
 * values copied into the page in bulk (PLAIN, little-endian), the page's min/max taken once per vector and the
 * repetition and definition levels through Parquet's own level writers. Parquet's per-value
 * {@code ColumnWriter.write} costs four calls and two comparisons per element (≈ 35 ns a float, most of a feature
 * row's encoding: {@code ParquetEncodeBenchmark}); the pages, statistics, column and offset indexes it makes are
 * the ones Parquet's writer would make for the same values ({@code ParquetCompatibilityTest} checks).
 *
 * <p>A page is handed to the column chunk's {@link PageWriter} when it reaches the page size threshold or row
 * limit of the {@link ParquetProperties}, and at the end of each row group ({@link #flushPage()}).
 */
final class VectorColumnWriter {

    private final ColumnDescriptor descriptor;
    private final PageWriter pages;
    private final ParquetProperties props;
    private final boolean isFloat;
    private final int present;
    private final ValuesWriter repetition;
    private final ValuesWriter definition;
    private ByteBuffer values = ByteBuffer.allocate(64 << 10).order(ByteOrder.LITTLE_ENDIAN);
    private Statistics<?> stats;
    private int valueCount;
    private int pageRows;

    VectorColumnWriter(ColumnDescriptor descriptor, PageWriter pages, ParquetProperties props) {
        PrimitiveTypeName type = descriptor.getPrimitiveType().getPrimitiveTypeName();
        if ((type != PrimitiveTypeName.FLOAT && type != PrimitiveTypeName.DOUBLE)
                || descriptor.getMaxRepetitionLevel() != 1) {
            throw new IllegalArgumentException("not the element column of a list of float or double: " + descriptor);
        }
        this.descriptor = descriptor;
        this.pages = pages;
        this.props = props;
        this.isFloat = type == PrimitiveTypeName.FLOAT;
        this.present = descriptor.getMaxDefinitionLevel();
        this.repetition = props.newRepetitionLevelWriter(descriptor);
        this.definition = props.newDefinitionLevelWriter(descriptor);
        this.stats = Statistics.createStats(descriptor.getPrimitiveType());
    }

    /** One row's vector; an empty one is an empty list (defined up to the list group, a null element). */
    void write(float[] v) {
        if (!isFloat) {
            throw new IllegalStateException(descriptor + " holds doubles");
        }
        if (levels(v.length)) {
            room(4L * v.length);
            values.asFloatBuffer().put(v);
            values.position(values.position() + 4 * v.length);
            float min = v[0];
            float max = v[0];
            for (float x : v) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            FloatStatistics s = (FloatStatistics) stats;
            if (Float.isNaN(min)) { // Math.min lets NaN win; Parquet orders by Float.compare, NaN greatest
                for (float x : v) {
                    s.updateStats(x);
                }
            } else {
                s.updateStats(min);
                s.updateStats(max);
            }
        }
        endRow();
    }

    /** As {@link #write(float[])} for a list of double. */
    void write(double[] v) {
        if (isFloat) {
            throw new IllegalStateException(descriptor + " holds floats");
        }
        if (levels(v.length)) {
            room(8L * v.length);
            values.asDoubleBuffer().put(v);
            values.position(values.position() + 8 * v.length);
            double min = v[0];
            double max = v[0];
            for (double x : v) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            DoubleStatistics s = (DoubleStatistics) stats;
            if (Double.isNaN(min)) {
                for (double x : v) {
                    s.updateStats(x);
                }
            } else {
                s.updateStats(min);
                s.updateStats(max);
            }
        }
        endRow();
    }

    /** Writes the levels of a list of {@code n} elements; false for an empty list (its one null is counted). */
    private boolean levels(int n) {
        if (n == 0) {
            repetition.writeInteger(0);
            definition.writeInteger(present - 1);
            stats.incrementNumNulls();
            valueCount++;
            return false;
        }
        repetition.writeInteger(0);
        for (int i = 1; i < n; i++) {
            repetition.writeInteger(1);
        }
        for (int i = 0; i < n; i++) {
            definition.writeInteger(present);
        }
        valueCount += n;
        return true;
    }

    private void room(long bytes) {
        if (values.remaining() < bytes) {
            long need = values.position() + bytes;
            if (need > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("a page of " + descriptor + " would exceed 2 GB");
            }
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8,
                    Math.max(need, 2L * values.capacity()))).order(ByteOrder.LITTLE_ENDIAN);
            values.flip();
            bigger.put(values);
            values = bigger;
        }
    }

    private void endRow() {
        pageRows++;
        if (pageBufferedSize() >= props.getPageSizeThreshold() || pageRows >= props.getPageRowCountLimit()) {
            flushPage();
        }
    }

    private long pageBufferedSize() {
        return repetition.getBufferedSize() + definition.getBufferedSize() + values.position();
    }

    /** Bytes held for the current row group: pages handed on, and the page being filled. */
    long bufferedSize() {
        return pages.getMemSize() + pageBufferedSize();
    }

    /** Hands the page being filled, if any, to the column chunk's page writer. */
    void flushPage() {
        if (valueCount == 0) {
            return;
        }
        try {
            pages.writePage(BytesInput.concat(repetition.getBytes(), definition.getBytes(),
                            BytesInput.from(values.array(), 0, values.position())),
                    valueCount, pageRows, stats, repetition.getEncoding(), definition.getEncoding(), Encoding.PLAIN);
        } catch (IOException e) {
            throw new org.apache.parquet.io.ParquetEncodingException("could not write page for " + descriptor, e);
        }
        repetition.reset();
        definition.reset();
        values.clear();
        stats = Statistics.createStats(descriptor.getPrimitiveType());
        valueCount = 0;
        pageRows = 0;
    }

    void close() {
        repetition.close();
        definition.close();
    }
}
