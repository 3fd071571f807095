package dev.orchard.internal.sink;

import dev.orchard.OutputFormat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;

/** Our files, read by parquet-hadoop's own reader: the schema other tools (Spark, pandas) see. */
class ParquetCompatibilityTest {

    private static final StorageOptions SO = StorageOptions.defaults();

    @TempDir
    Path tmp;

    private static ParquetMetadata footer(Path file) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            return r.getFooter();
        }
    }

    private static List<Group> groups(Path file) throws IOException {
        List<Group> out = new java.util.ArrayList<>();
        try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
                new org.apache.hadoop.fs.Path(file.toUri())).withConf(new Configuration()).build()) {
            for (Group g = r.read(); g != null; g = r.read()) {
                out.add(g);
            }
        }
        return out;
    }

    @Test
    void featuresSchemaIsAStandardThreeLevelListAndSnappy() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(9, 5, 21);
        Sink.writeFeatures(SparkTestSupport.sc().parallelize(rows, 1), tmp.toString(), Set.of(OutputFormat.PARQUET), SO);
        Path file = tmp.resolve("features/part-00000.parquet");

        ParquetMetadata footer = footer(file);
        assertEquals("""
                message orchard_features {
                  required binary image_id (STRING);
                  required binary label (STRING);
                  required int32 label_index;
                  optional binary content_id (STRING);
                  optional group features (LIST) {
                    repeated group list {
                      required float element;
                    }
                  }
                }
                """, footer.getFileMetaData().getSchema().toString());
        for (BlockMetaData block : footer.getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
                assertEquals(CompressionCodecName.SNAPPY, column.getCodec(), column.getPath().toString());
            }
        }
        assertEquals("features", footer.getFileMetaData().getKeyValueMetaData().get("orchard.table"));

        assertSameRows(rows, groups(file));
    }

    /** Parquet's own record assembly reads {@code rows} back, every float bit for bit. */
    private static void assertSameRows(List<FeatureRecord> rows, List<Group> groups) {
        assertEquals(rows.size(), groups.size());
        for (int i = 0; i < rows.size(); i++) {
            FeatureRecord r = rows.get(i);
            Group g = groups.get(i);
            assertEquals(r.imageId(), g.getString("image_id", 0));
            assertEquals(r.label(), g.getString("label", 0));
            assertEquals(r.labelIndex(), g.getInteger("label_index", 0));
            assertEquals(r.contentId(), g.getString("content_id", 0));
            Group list = g.getGroup("features", 0);
            assertEquals(r.features().length, list.getFieldRepetitionCount("list"), "row " + i);
            for (int j = 0; j < r.features().length; j++) {
                assertEquals(Float.floatToRawIntBits(r.features()[j]),
                        Float.floatToRawIntBits(list.getGroup("list", j).getFloat("element", 0)), i + "," + j);
            }
        }
    }

    @Test
    void pcaAndErrorsSchemas() throws IOException {
        List<PcaRecord> pca = SinkFixtures.pca(4, 2, 22);
        Sink.writePca(SparkTestSupport.sc().parallelize(pca, 1), tmp.toString(), Set.of(OutputFormat.PARQUET), SO);
        Sink.writeErrors(SparkTestSupport.sc().parallelize(SinkFixtures.errors(3), 1), tmp.toString(),
                Set.of(OutputFormat.PARQUET), SO);

        assertEquals("""
                message orchard_pca {
                  required binary image_id (STRING);
                  required binary label (STRING);
                  required int32 label_index;
                  optional group pca (LIST) {
                    repeated group list {
                      required double element;
                    }
                  }
                }
                """, footer(tmp.resolve("pca/part-00000.parquet")).getFileMetaData().getSchema().toString());
        assertEquals("""
                message orchard_errors {
                  required binary image_id (STRING);
                  required binary reason (STRING);
                  optional binary content_id (STRING);
                }
                """, footer(tmp.resolve("errors/part-00000.parquet")).getFileMetaData().getSchema().toString());

        Group g = groups(tmp.resolve("pca/part-00000.parquet")).get(1);
        assertEquals(pca.get(1).pca()[0], g.getGroup("pca", 0).getGroup("list", 0).getDouble("element", 0));
        List<Group> errors = groups(tmp.resolve("errors/part-00000.parquet"));
        assertEquals(new ErrorRecord(errors.get(1).getString("image_id", 0), errors.get(1).getString("reason", 0),
                errors.get(1).getString("content_id", 0)),
                SinkFixtures.errors(3).get(1));
    }

    /**
     * The column writer's levels and row groups, read back by parquet-hadoop's record assembly: rows over several
     * row groups, an empty vector, empty content ids, and float edge values, bit for bit; dictionary encoding on
     * the label column only.
     */
    @Test
    void rowsOverSeveralRowGroupsWithEmptyVectorsAndEdgeValuesReadBackExactly() throws IOException {
        java.util.Random rnd = new java.util.Random(7);
        List<FeatureRecord> rows = new java.util.ArrayList<>();
        float[] edges = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                Float.MAX_VALUE, -1.5e-42f};
        for (int i = 0; i < 3000; i++) {
            float[] f = new float[i == 17 ? 0 : 40];
            for (int j = 0; j < f.length; j++) {
                f[j] = j < edges.length && i % 5 == 0 ? edges[j] : (float) rnd.nextGaussian();
            }
            rows.add(new FeatureRecord("file:///d/Äpfel " + i + ".jpg", "class " + (i % 7), i % 7, f,
                    i % 3 == 0 ? "" : "123:" + i));
        }
        Path file = tmp.resolve("rows.parquet");
        try (ParquetRowWriter<FeatureRecord> w = new ParquetRowWriter<>(file, Table.FEATURES, 64 << 10)) {
            for (FeatureRecord r : rows) {
                w.write(r);
            }
        }

        ParquetMetadata footer = footer(file);
        assertTrue(footer.getBlocks().size() >= 5, footer.getBlocks().size() + " row groups");
        assertEquals(rows.size(), footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum());
        for (ColumnChunkMetaData c : footer.getBlocks().get(0).getColumns()) {
            boolean dictionary = c.getEncodings().contains(org.apache.parquet.column.Encoding.PLAIN_DICTIONARY);
            assertEquals(c.getPath().toDotString().equals("label"), dictionary, c.getPath() + " " + c.getEncodings());
        }
        assertSameRows(rows, groups(file));
        // and our own reader
        try (org.apache.parquet.hadoop.ParquetReader<FeatureRecord> r = ParquetFiles.reader(file, Table.FEATURES,
                file.toString())) {
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(rows.get(i), r.read());
            }
            assertEquals(null, r.read());
        }
    }

    /**
     * Vectors are written a whole row at a time ({@link VectorColumnWriter}): the column chunks' statistics equal
     * those of parquet-hadoop's own writer for the same rows (NaN, -0 and 0, infinities, empty vectors); both
     * drop the column index when a NaN is among the values, and without NaN every page's column-index entry
     * holds the min and max (by {@link Float#compare}, Parquet's order) of the rows the offset index gives it,
     * so readers that skip pages by the index skip none they need.
     */
    @Test
    void vectorStatisticsAndPageIndexesMatchParquetsOwnWriter() throws IOException {
        for (boolean withNaN : new boolean[] {true, false}) {
            List<FeatureRecord> rows = edgeRows(withNaN);
            Path ours = tmp.resolve("ours-" + withNaN + ".parquet");
            try (ParquetRowWriter<FeatureRecord> w = new ParquetRowWriter<>(ours, Table.FEATURES, 256L << 20)) {
                for (FeatureRecord r : rows) {
                    w.write(r);
                }
            }
            Path theirs = tmp.resolve("theirs-" + withNaN + ".parquet");
            writeWithParquetHadoop(theirs, rows);
            List<ColumnChunkMetaData> ourColumns = onlyRowGroup(ours).getColumns();
            List<ColumnChunkMetaData> theirColumns = onlyRowGroup(theirs).getColumns();
            for (int c = 0; c < ourColumns.size(); c++) {
                assertEquals(theirColumns.get(c).getStatistics(), ourColumns.get(c).getStatistics(),
                        ourColumns.get(c).getPath().toString());
                assertEquals(theirColumns.get(c).getValueCount(), ourColumns.get(c).getValueCount());
            }
            assertSameRows(rows, groups(ours));
            ColumnChunkMetaData vector = ourColumns.get(ourColumns.size() - 1);
            assertEquals("features.list.element", vector.getPath().toDotString());
            try (ParquetFileReader r = reader(ours); ParquetFileReader t = reader(theirs)) {
                org.apache.parquet.internal.column.columnindex.ColumnIndex index = r.readColumnIndex(vector);
                assertEquals(withNaN, index == null, "column index dropped only with a NaN");
                assertEquals(withNaN, t.readColumnIndex(theirColumns.get(theirColumns.size() - 1)) == null);
                if (!withNaN) {
                    assertPagesIndexed(rows, index, r.readOffsetIndex(vector));
                }
            }
        }
    }

    /** 9,000 rows of 40 floats over two pages or more: -0 and 0, an infinity, empty vectors, NaN if asked. */
    private static List<FeatureRecord> edgeRows(boolean withNaN) {
        java.util.Random rnd = new java.util.Random(11);
        List<FeatureRecord> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 9000; i++) {
            float[] f = new float[i % 1000 == 3 ? 0 : 40];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) rnd.nextGaussian() * (1 + i % 13);
            }
            if (withNaN && (i == 0 || i % 700 == 5)) { // the row's min beside it is the file's
                f[i % 40] = Float.NaN;
                f[(i + 1) % 40] = -1e30f - i * 1e25f;
            }
            if (i % 900 == 6) {
                java.util.Arrays.fill(f, i % 2 == 0 ? -0f : 0f);
            }
            if (i == 4321) {
                f[7] = Float.NEGATIVE_INFINITY;
            }
            rows.add(new FeatureRecord("id " + i, "class " + (i % 3), i % 3, f, "c" + i));
        }
        return rows;
    }

    private static void writeWithParquetHadoop(Path file, List<FeatureRecord> rows) throws IOException {
        org.apache.parquet.schema.MessageType schema = Table.FEATURES.schema();
        org.apache.parquet.example.data.simple.SimpleGroupFactory groups =
                new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema);
        try (org.apache.parquet.hadoop.ParquetWriter<Group> w = org.apache.parquet.hadoop.example.ExampleParquetWriter
                .builder(new org.apache.hadoop.fs.Path(file.toUri())).withType(schema)
                .withCompressionCodec(CompressionCodecName.SNAPPY).withRowGroupSize(256L << 20)
                .withConf(new Configuration()).build()) {
            for (FeatureRecord r : rows) {
                Group g = groups.newGroup().append("image_id", r.imageId()).append("label", r.label())
                        .append("label_index", r.labelIndex()).append("content_id", r.contentId());
                Group list = g.addGroup("features");
                for (float x : r.features()) {
                    list.addGroup("list").append("element", x);
                }
                w.write(g);
            }
        }
    }

    private static BlockMetaData onlyRowGroup(Path file) throws IOException {
        List<BlockMetaData> blocks = footer(file).getBlocks();
        assertEquals(1, blocks.size(), file.toString());
        return blocks.get(0);
    }

    private static ParquetFileReader reader(Path file) throws IOException {
        return ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()),
                new Configuration()));
    }

    /** Each page's index entry: null page, null count, and min/max by Float.compare over its rows. */
    private static void assertPagesIndexed(List<FeatureRecord> rows,
            org.apache.parquet.internal.column.columnindex.ColumnIndex index,
            org.apache.parquet.internal.column.columnindex.OffsetIndex offsets) {
        int pages = offsets.getPageCount();
        assertTrue(pages >= 2, pages + " pages");
        for (int p = 0; p < pages; p++) {
            int first = (int) offsets.getFirstRowIndex(p);
            int end = p + 1 < pages ? (int) offsets.getFirstRowIndex(p + 1) : rows.size();
            float min = 0;
            float max = 0;
            long nulls = 0;
            boolean any = false;
            for (FeatureRecord row : rows.subList(first, end)) {
                if (row.features().length == 0) {
                    nulls++;
                }
                for (float x : row.features()) {
                    min = !any || Float.compare(x, min) < 0 ? x : min;
                    max = !any || Float.compare(x, max) > 0 ? x : max;
                    any = true;
                }
            }
            assertEquals(!any, index.getNullPages().get(p), "page " + p);
            assertEquals(nulls, index.getNullCounts().get(p), "page " + p);
            assertEquals(Float.floatToIntBits(min), Float.floatToIntBits(index.getMinValues().get(p)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(0)), "page " + p);
            assertEquals(Float.floatToIntBits(max), Float.floatToIntBits(index.getMaxValues().get(p)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(0)), "page " + p);
        }
    }
}
