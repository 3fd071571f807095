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
}
