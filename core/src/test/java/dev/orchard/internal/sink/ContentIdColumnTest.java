package dev.orchard.internal.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.OutputFormat;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content_id column: written with every row, read back, and optional for outputs written before it existed. */
class ContentIdColumnTest {

    private static final StorageOptions SO = StorageOptions.defaults();

    @TempDir
    Path tmp;

    @Test
    void csvHeadersNameTheColumnAndRowsRoundTrip() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(6, 3, 5);
        Sink.writeFeatures(SparkTestSupport.sc().parallelize(rows, 1), tmp.toString(), OutputFormat.parse("both"), SO);
        Sink.writeErrors(SparkTestSupport.sc().parallelize(SinkFixtures.errors(3), 1), tmp.toString(),
                OutputFormat.parse("csv"), SO);
        assertEquals("image_id,label,label_index,content_id,f_0,f_1,f_2",
                Files.readAllLines(tmp.resolve("features/part-00000.csv")).get(0));
        assertEquals("image_id,reason,content_id", Files.readAllLines(tmp.resolve("errors/part-00000.csv")).get(0));
        assertEquals(rows, Sink.readFeatureFile(tmp.resolve("features/part-00000.csv").toString(), SO));
        assertEquals(rows, Sink.readFeatureFile(tmp.resolve("features/part-00000.parquet").toString(), SO));
        assertEquals(SinkFixtures.errors(3), Sink.readErrorFile(tmp.resolve("errors/part-00000.csv").toString(), SO));
    }

    @Test
    void changesRoundTripInBothFormats() {
        List<ChangeRecord> rows = List.of(new ChangeRecord("file:///in/a,b.jpg", ChangeRecord.Kind.CHANGED, "3:9", "3:8"),
                new ChangeRecord("file:///in/c.jpg", ChangeRecord.Kind.RETIRED, "", "5:\"e\""));
        Sink.writeChanges(SparkTestSupport.sc().parallelize(rows, 1), tmp.toString(), OutputFormat.parse("both"), SO);
        assertEquals(rows, Sink.readChangeFolder(tmp.resolve("changes").toString(), SO));
        assertEquals(rows, Sink.readChanges(SparkTestSupport.sc(), tmp.resolve("changes").toString(), SO).collect());
    }

    @Test
    void outputsWrittenBeforeTheColumnStillRead() throws IOException {
        Path features = Files.createDirectories(tmp.resolve("old/features"));
        Files.writeString(features.resolve("part-00000.csv"),
                "image_id,label,label_index,f_0,f_1\nfile:///i/a.jpg,Apple,0,1.5,-2.0\n", StandardCharsets.UTF_8);
        Path errors = Files.createDirectories(tmp.resolve("old/errors"));
        Files.writeString(errors.resolve("part-00000.csv"), "image_id,reason\nfile:///i/b.jpg,not an image\n",
                StandardCharsets.UTF_8);
        assertEquals(List.of(new FeatureRecord("file:///i/a.jpg", "Apple", 0, new float[] {1.5f, -2f}, "")),
                Sink.readFeatureFolder(features.toString(), SO));
        assertEquals(List.of(new ErrorRecord("file:///i/b.jpg", "not an image", "")),
                Sink.readErrorFolder(errors.toString(), SO));

        MessageType oldSchema = MessageTypeParser.parseMessageType("""
                message orchard_features {
                  required binary image_id (STRING);
                  required binary label (STRING);
                  required int32 label_index;
                  optional group features (LIST) { repeated group list { required float element; } }
                }""");
        Path parquet = Files.createDirectories(tmp.resolve("oldpq/features")).resolve("part-00000.parquet");
        Configuration conf = new Configuration(false);
        org.apache.parquet.hadoop.example.GroupWriteSupport.setSchema(oldSchema, conf);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(parquet.toUri()))
                .withConf(conf).withType(oldSchema).build()) {
            Group g = new SimpleGroupFactory(oldSchema).newGroup().append("image_id", "file:///i/c.jpg")
                    .append("label", "Kiwi").append("label_index", 1);
            Group list = g.addGroup("features");
            list.addGroup("list").append("element", 0.25f);
            list.addGroup("list").append("element", 4f);
            w.write(g);
        }
        assertEquals(List.of(new FeatureRecord("file:///i/c.jpg", "Kiwi", 1, new float[] {0.25f, 4f}, "")),
                Sink.readFeatureFolder(parquet.getParent().toString(), SO));
    }

    @Test
    void oldManifestsReadWithZeroReuseAndNoChain() {
        Manifest m = Manifest.fromJson("""
                {"version": 1, "createdAt": "2025-01-01T12:00:00Z",
                 "counts": {"listed": 10, "featurized": 9, "failed": 1},
                 "files": [], "configuration": {"k": 5}}""");
        assertEquals(new Manifest.Counts(10, 0, 9, 1, 0), m.counts());
        assertEquals(List.of(), m.continuedFrom());
        Manifest chained = Manifest.of(new Manifest.Counts(12, 8, 3, 1, 2), java.util.Map.of())
                .withContinuedFrom(List.of("file:///runs/a"));
        assertEquals(chained, Manifest.fromJson(chained.toJson()));
    }
}
