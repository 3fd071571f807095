package dev.orchard.internal.sink;

import dev.orchard.OutputFormat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;

class SinkTest {

    private static final StorageOptions SO = StorageOptions.defaults();
    private static final int PARTITIONS = 3;

    @TempDir
    Path tmp;

    private static JavaSparkContext sc() {
        return SparkTestSupport.sc();
    }

    private String out() {
        return "file://" + tmp.resolve("out");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void featuresRoundTripExactlyInBothFormats() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(40, 17, 1);
        List<PartFile> files = Sink.writeFeatures(sc().parallelize(rows, PARTITIONS), out(),
                OutputFormat.parse("both"), SO);

        assertEquals(List.of("features/part-00000.csv", "features/part-00000.parquet", "features/part-00001.csv",
                "features/part-00001.parquet", "features/part-00002.csv", "features/part-00002.parquet"),
                files.stream().map(PartFile::path).toList());
        assertEquals(names(tmp.resolve("out/features")),
                files.stream().map(f -> f.path().substring("features/".length())).toList(),
                "exactly the listed files exist, no temporaries");
        for (PartFile f : files) {
            Path p = tmp.resolve("out").resolve(f.path());
            assertEquals(Files.size(p), f.bytes(), f.path());
            assertEquals(Sink.readFeatureFile(p.toString(), SO).size(), f.rows(), f.path());
        }
        assertEquals(rows.size() * 2L, files.stream().mapToLong(PartFile::rows).sum());

        for (String ext : List.of("parquet", "csv")) {
            List<FeatureRecord> back = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                back.addAll(Sink.readFeatureFile(out() + "/features/part-0000" + i + "." + ext, SO));
            }
            assertEquals(rows, back, ext + ": same rows, same order, bit-exact floats (NaN, -0.0, subnormals)");
        }
    }

    @Test
    void csvHeaderIsExactlyAsContracted() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(5, 3, 2);
        Sink.writeFeatures(sc().parallelize(rows, 1), out(), Set.of(OutputFormat.CSV), SO);
        Sink.writePca(sc().parallelize(SinkFixtures.pca(5, 2, 3), 1), out(), Set.of(OutputFormat.CSV), SO);
        Sink.writeErrors(sc().parallelize(SinkFixtures.errors(3), 1), out(), Set.of(OutputFormat.CSV), SO);

        assertEquals("image_id,label,label_index,content_id,f_0,f_1,f_2", firstLine("features/part-00000.csv"));
        assertEquals("image_id,label,label_index,pc_0,pc_1", firstLine("pca/part-00000.csv"));
        assertEquals("image_id,reason,content_id", firstLine("errors/part-00000.csv"));
        String text = Files.readString(tmp.resolve("out/features/part-00000.csv"));
        assertTrue(text.contains("\n\"s3://bucket/Training/a,b/1.jpg\",\"Banana, ripe\",1,"), text);
        assertTrue(text.contains("\n\"s3://bucket/Training/say \"\"cheese\"\"/2.jpg\",\"Kiwi \"\"gold\"\"\",2,"), text);
    }

    /** No failed image still gives an errors/ folder: one part per format, no rows, readable. */
    @Test
    void noErrorsStillWritesAnEmptyReadableErrorsFolder() throws IOException {
        JavaRDD<ErrorRecord> none = sc().parallelize(List.<ErrorRecord>of(), PARTITIONS);
        List<PartFile> files = Sink.writeErrors(none, out(), OutputFormat.parse("both"), SO);

        assertEquals(List.of("errors/part-00000.csv", "errors/part-00000.parquet"),
                files.stream().map(PartFile::path).toList());
        assertEquals(List.of("part-00000.csv", "part-00000.parquet"), names(tmp.resolve("out/errors")));
        for (PartFile f : files) {
            assertEquals(0, f.rows(), f.path());
            assertEquals(Files.size(tmp.resolve("out").resolve(f.path())), f.bytes(), f.path());
            assertEquals(List.of(), Sink.readErrorFile(out() + "/" + f.path(), SO), f.path());
        }
        assertEquals("image_id,reason,content_id", firstLine("errors/part-00000.csv"));
        assertEquals(List.of(), Sink.readErrorFolder(out() + "/errors", SO));
    }

    private String firstLine(String rel) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(tmp.resolve("out").resolve(rel), StandardCharsets.UTF_8)) {
            return r.readLine();
        }
    }

    @Test
    void pcaAndErrorsRoundTrip() {
        List<PcaRecord> pca = SinkFixtures.pca(25, 5, 4);
        List<ErrorRecord> errors = SinkFixtures.errors(13);
        Set<OutputFormat> both = OutputFormat.parse("both");
        Sink.writePca(sc().parallelize(pca, PARTITIONS), out(), both, SO);
        Sink.writeErrors(sc().parallelize(errors, 2), out(), both, SO);

        assertEquals(pca, Sink.readPcaFolder(out() + "/pca", SO));
        assertEquals(errors, Sink.readErrorFolder(out() + "/errors", SO));
        List<ErrorRecord> csvErrors = new ArrayList<>();
        csvErrors.addAll(Sink.readErrorFile(out() + "/errors/part-00000.csv", SO));
        csvErrors.addAll(Sink.readErrorFile(out() + "/errors/part-00001.csv", SO));
        assertEquals(errors, csvErrors);
        List<PcaRecord> csvPca = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            csvPca.addAll(Sink.readPcaFile(out() + "/pca/part-0000" + i + ".csv", SO));
        }
        assertEquals(pca, csvPca);
    }

    @Test
    void readFeaturesReadsOnExecutorsAndPrefersParquet() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(30, 8, 5);
        Sink.writeFeatures(sc().parallelize(rows, PARTITIONS), out(), OutputFormat.parse("both"), SO);
        // Were CSV read, this would fail: Parquet must win when a folder holds both.
        Files.writeString(tmp.resolve("out/features/part-00001.csv"), "not,the,header\n");

        JavaRDD<FeatureRecord> back = Sink.readFeatures(sc(), out() + "/features", SO);
        assertEquals(PARTITIONS, back.getNumPartitions());
        assertEquals(rows, back.collect());
        assertEquals(rows.size(), back.count());
    }

    @Test
    void readFeaturesReadsCsvOnlyFolders() {
        List<FeatureRecord> rows = SinkFixtures.features(21, 4, 6);
        Sink.writeFeatures(sc().parallelize(rows, 2), out(), Set.of(OutputFormat.CSV), SO);
        assertEquals(rows, Sink.readFeatures(sc(), out() + "/features", SO).collect());
    }

    @Test
    void emptyPartitionsWriteNoFile() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(2, 3, 7);
        List<PartFile> files = Sink.writeFeatures(sc().parallelize(rows, 5), out(), Set.of(OutputFormat.PARQUET), SO);
        assertEquals(2, files.size(), files.toString());
        assertEquals(2, names(tmp.resolve("out/features")).size());
        assertEquals(rows, Sink.readFeatureFolder(out() + "/features", SO));

        List<PartFile> errors = Sink.writeErrors(sc().parallelize(List.of(SinkFixtures.errors(1).get(0)), 4), out(),
                Set.of(OutputFormat.PARQUET), SO);
        assertEquals(1, errors.size(), "empty partitions write no file: " + errors);
    }

    @Test
    void zeroLengthVectorsRoundTrip() throws IOException {
        List<FeatureRecord> rows = List.of(new FeatureRecord("a", "x", 0, new float[0]),
                new FeatureRecord("b", "y", 1, new float[0]));
        Sink.writeFeatures(sc().parallelize(rows, 2), out(), OutputFormat.parse("both"), SO);
        assertEquals(rows, Sink.readFeatureFolder(out() + "/features", SO));
        assertEquals(rows, concatCsv(2));
        assertEquals("image_id,label,label_index,content_id\na,x,0,\n",
                Files.readString(tmp.resolve("out/features/part-00000.csv")));
    }

    private List<FeatureRecord> concatCsv(int parts) {
        List<FeatureRecord> all = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            all.addAll(Sink.readFeatureFile(out() + "/features/part-0000" + i + ".csv", SO));
        }
        return all;
    }

    @Test
    void vectorsOfDifferentLengthsAreRefused() {
        List<FeatureRecord> rows = List.of(new FeatureRecord("a", "x", 0, new float[3]),
                new FeatureRecord("b", "x", 0, new float[4]));
        SparkException e = assertThrows(SparkException.class,
                () -> Sink.writeFeatures(sc().parallelize(rows, 1), out(), Set.of(OutputFormat.CSV), SO));
        assertTrue(e.getMessage().contains("has 4 values but the rows before it have 3"), e.getMessage());

        IllegalArgumentException across = assertThrows(IllegalArgumentException.class,
                () -> Sink.writeFeatures(sc().parallelize(rows, 2), out(), Set.of(OutputFormat.CSV), SO));
        assertTrue(across.getMessage().contains("[3, 4]"), across.getMessage());
    }

    @Test
    void aFailedAttemptLeavesNothingAndItsRetryExactlyOneFilePerFormat() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(12, 6, 8);
        String root = dev.orchard.internal.storage.Storages.normalize(out());
        Set<OutputFormat> both = OutputFormat.parse("both");
        long tempsBefore = orchardTemps();

        Iterator<FeatureRecord> failing = new Iterator<>() {
            int served;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public FeatureRecord next() {
                if (served == 7) {
                    throw new IllegalStateException("executor lost");
                }
                return rows.get(served++);
            }
        };
        assertThrows(IllegalStateException.class,
                () -> PartWriter.writePartition(4, failing, root, Table.FEATURES, both, SO));
        assertTrue(!Files.exists(tmp.resolve("out/features")) || names(tmp.resolve("out/features")).isEmpty(),
                "a failed attempt publishes no part file");
        assertEquals(tempsBefore, orchardTemps(), "a failed attempt leaves no temporary file");

        List<PartWriter.WrittenPart> first = PartWriter.writePartition(4, rows.iterator(), root, Table.FEATURES,
                both, SO);
        byte[] parquet = Files.readAllBytes(tmp.resolve("out/features/part-00004.parquet"));
        List<PartWriter.WrittenPart> retry = PartWriter.writePartition(4, rows.iterator(), root, Table.FEATURES,
                both, SO);

        assertEquals(first, retry);
        assertEquals(List.of("part-00004.csv", "part-00004.parquet"), names(tmp.resolve("out/features")));
        assertArrayEquals(parquet, Files.readAllBytes(tmp.resolve("out/features/part-00004.parquet")));
        assertEquals(rows, Sink.readFeatureFolder(out() + "/features", SO));
        assertEquals(tempsBefore, orchardTemps());
    }

    private static long orchardTemps() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("orchard-features-4-")).count();
        }
    }

    @Test
    void rewritingTheSameRddGivesIdenticalFiles() throws IOException {
        List<FeatureRecord> rows = SinkFixtures.features(20, 5, 9);
        JavaRDD<FeatureRecord> rdd = sc().parallelize(rows, 2);
        List<PartFile> first = Sink.writeFeatures(rdd, out(), OutputFormat.parse("both"), SO);
        byte[] p0 = Files.readAllBytes(tmp.resolve("out/features/part-00000.parquet"));
        byte[] c1 = Files.readAllBytes(tmp.resolve("out/features/part-00001.csv"));
        List<PartFile> again = Sink.writeFeatures(rdd, out(), OutputFormat.parse("both"), SO);
        assertEquals(first, again);
        assertArrayEquals(p0, Files.readAllBytes(tmp.resolve("out/features/part-00000.parquet")));
        assertArrayEquals(c1, Files.readAllBytes(tmp.resolve("out/features/part-00001.csv")));
        assertEquals(4, names(tmp.resolve("out/features")).size());
    }

    @Test
    void badCsvNamesFileAndLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad/features"));
        Files.writeString(dir.resolve("part-00000.csv"), "image_id,label,label_index,f_0\na,b,0,1.5\nc,d,1,oops\n");
        PartFileException e = assertThrows(PartFileException.class,
                () -> Sink.readFeatureFolder(dir.toString(), SO));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("f_0")
                && e.getMessage().contains("oops"), e.getMessage());

        Files.writeString(dir.resolve("part-00000.csv"), "id,label,label_index,f_0\n");
        e = assertThrows(PartFileException.class, () -> Sink.readFeatureFolder(dir.toString(), SO));
        assertTrue(e.getMessage().contains("CSV header must be image_id,label,label_index,content_id,f_0"), e.getMessage());
    }

    @Test
    void aFolderWithoutPartFilesIsAClearError() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty/features"));
        Exception e = assertThrows(RuntimeException.class, () -> Sink.readFeatures(sc(), dir.toString(), SO));
        assertTrue(e.getMessage().contains("No part files"), e.getMessage());
        e = assertThrows(RuntimeException.class,
                () -> Sink.readFeatures(sc(), tmp.resolve("missing/features").toString(), SO));
        assertTrue(e.getMessage().contains("Cannot list part files"), e.getMessage());
    }

    @Test
    void formatFlagParsing() {
        assertEquals(Set.of(OutputFormat.PARQUET), OutputFormat.parse("parquet"));
        assertEquals(Set.of(OutputFormat.CSV), OutputFormat.parse(" CSV "));
        assertEquals(List.of(OutputFormat.PARQUET, OutputFormat.CSV), List.copyOf(OutputFormat.parse("Both")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputFormat.parse("json"));
        assertEquals("--format must be parquet, csv or both but was 'json'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.parse(null));
        assertThrows(IllegalArgumentException.class,
                () -> Sink.writeErrors(sc().parallelize(List.<ErrorRecord>of()), out(), Set.of(), SO));
    }
}
