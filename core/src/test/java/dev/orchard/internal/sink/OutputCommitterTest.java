package dev.orchard.internal.sink;

import dev.orchard.OutputExistsException;
import dev.orchard.OutputFormat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;

class OutputCommitterTest {

    private static final StorageOptions SO = StorageOptions.defaults();

    @TempDir
    Path tmp;

    private Path outDir() {
        return tmp.resolve("run out");
    }

    private String out() {
        return outDir().toString();
    }

    /** A whole run's writes, as the pipeline does them, then the commit. */
    private Manifest runAndCommit(boolean overwrite) {
        JavaSparkContext sc = SparkTestSupport.sc();
        List<FeatureRecord> features = SinkFixtures.features(30, 9, 11);
        List<PcaRecord> pca = SinkFixtures.pca(30, 3, 12);
        List<ErrorRecord> errors = SinkFixtures.errors(4);
        OutputCommitter.prepare(out(), overwrite, SO);
        List<PartFile> files = new ArrayList<>();
        files.addAll(Sink.writeFeatures(sc.parallelize(features, 3), out(), OutputFormat.parse("both"), SO));
        files.addAll(Sink.writePca(sc.parallelize(pca, 2), out(), OutputFormat.parse("parquet"), SO));
        files.addAll(Sink.writeErrors(sc.parallelize(errors, 2), out(), OutputFormat.parse("csv"), SO));
        files.add(OutputCommitter.writeFile(out(), "pca-model.json", "{\"k\": 3}", SO));
        OutputCommitter.writeFile(out(), "report.json", "{}", SO); // not passed on: commit finds it
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("k", 3);
        config.put("format", "both");
        config.put("s3Endpoint", null);
        config.put("input", "s3://bucket/Training, \"quoted\"/");
        Manifest m = Manifest.of(new Manifest.Counts(34, 30, 4), config).withFiles(files);
        return OutputCommitter.commit(out(), m, SO);
    }

    private Map<String, Long> filesOnDisk() throws IOException {
        Map<String, Long> found = new TreeMap<>();
        try (Stream<Path> s = Files.walk(outDir())) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                found.put(outDir().relativize(p).toString().replace('\\', '/'), Files.size(p));
            }
        }
        return found;
    }

    @Test
    void successListsEveryFileWithRowsAndSizeAndIsWrittenLast() throws IOException {
        Manifest written = runAndCommit(false);

        Manifest read = Manifest.read(out(), SO);
        assertEquals(written, read);
        assertEquals(new Manifest.Counts(34, 30, 4), read.counts());
        assertEquals(Manifest.VERSION, read.version());
        assertEquals(3, ((Number) read.configuration().get("k")).intValue());
        assertEquals("s3://bucket/Training, \"quoted\"/", read.configuration().get("input"));
        assertTrue(read.configuration().containsKey("s3Endpoint"));

        Map<String, Long> onDisk = filesOnDisk();
        assertTrue(onDisk.containsKey(OutputCommitter.SUCCESS));
        onDisk.remove(OutputCommitter.SUCCESS);
        Map<String, Long> listed = new TreeMap<>();
        read.files().forEach(f -> listed.put(f.path(), f.bytes()));
        assertEquals(onDisk, listed, "the manifest lists exactly the files that exist, with their sizes");

        for (PartFile f : read.files()) {
            String uri = out() + "/" + f.path();
            long rows = f.path().startsWith("features/") ? Sink.readFeatureFile(uri, SO).size()
                    : f.path().startsWith("pca/") ? Sink.readPcaFile(uri, SO).size()
                    : f.path().startsWith("errors/") ? Sink.readErrorFile(uri, SO).size() : 0;
            assertEquals(rows, f.rows(), f.path());
        }
        assertEquals(30, read.rows("features", OutputFormat.PARQUET));
        assertEquals(30, read.rows("features", OutputFormat.CSV));
        assertEquals(30, read.rows("pca", OutputFormat.PARQUET));
        assertEquals(4, read.rows("errors", OutputFormat.CSV));

        long success = Files.getLastModifiedTime(outDir().resolve(OutputCommitter.SUCCESS)).toMillis();
        try (Stream<Path> s = Files.walk(outDir())) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertTrue(Files.getLastModifiedTime(p).toMillis() <= success, p + " written after _SUCCESS");
            }
        }
        assertTrue(OutputCommitter.isCommitted(out(), SO));
    }

    @Test
    void readersTrustTheManifestOverStrayFiles() throws IOException {
        runAndCommit(false);
        Files.copy(outDir().resolve("features/part-00000.parquet"), outDir().resolve("features/part-00007.parquet"));
        assertEquals(30, Sink.readFeatures(SparkTestSupport.sc(), out() + "/features", SO).count());
    }

    @Test
    void prepareRefusesANonEmptyOutputWithoutOverwrite() throws IOException {
        runAndCommit(false);
        Map<String, Long> before = filesOnDisk();
        OutputExistsException e = assertThrows(OutputExistsException.class,
                () -> OutputCommitter.prepare(out(), false, SO));
        assertTrue(e.getMessage().contains("is not empty: pass --overwrite"), e.getMessage());
        assertTrue(e.getMessage().contains(out()), e.getMessage());
        assertEquals(before, filesOnDisk(), "a refused prepare touches nothing");
    }

    @Test
    void overwriteClearsTheOutputAndARerunGivesIdenticalFiles() throws IOException {
        Manifest first = runAndCommit(false);
        Map<String, byte[]> bytes = new TreeMap<>();
        for (PartFile f : first.files()) {
            bytes.put(f.path(), Files.readAllBytes(outDir().resolve(f.path())));
        }
        Files.writeString(outDir().resolve("features/.part-00009.parquet.tmp-crashed"), "half a file");

        OutputCommitter.prepare(out(), true, SO);
        assertFalse(Files.exists(outDir()) && Files.list(outDir()).findAny().isPresent(), "overwrite empties it");
        assertFalse(OutputCommitter.isCommitted(out(), SO));

        Manifest second = runAndCommit(true);
        assertEquals(first.files(), second.files());
        for (PartFile f : second.files()) {
            assertArrayEquals(bytes.get(f.path()), Files.readAllBytes(outDir().resolve(f.path())), f.path());
        }
    }

    @Test
    void overwriteNeverDeletesFilesOrchardDidNotWrite() throws IOException {
        Files.createDirectories(outDir());
        Files.writeString(outDir().resolve("thesis.tex"), "years of work");
        OutputExistsException e = assertThrows(OutputExistsException.class,
                () -> OutputCommitter.prepare(out(), true, SO));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        assertTrue(Files.exists(outDir().resolve("thesis.tex")));
    }

    @Test
    void prepareAcceptsAMissingOrEmptyOutput() throws IOException {
        assertDoesNotThrow(() -> OutputCommitter.prepare(out(), false, SO));
        Files.createDirectories(outDir());
        assertDoesNotThrow(() -> OutputCommitter.prepare(out(), false, SO));
    }

    @Test
    void commitRefusesAMissingListedFileAndAnUnlistedPartFile() throws IOException {
        Manifest m = Manifest.of(new Manifest.Counts(1, 1, 0), Map.of())
                .withFiles(List.of(new PartFile("features/part-00000.parquet", 1, 10)));
        OutputCommitter.writeFile(out(), "pca-model.json", "{}", SO);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> OutputCommitter.commit(out(), m, SO));
        assertTrue(e.getMessage().contains("features/part-00000.parquet is listed but does not exist"), e.getMessage());
        assertFalse(OutputCommitter.isCommitted(out(), SO));

        Files.createDirectories(outDir().resolve("errors"));
        Files.writeString(outDir().resolve("errors/part-00003.csv"), "image_id,reason\n");
        e = assertThrows(IllegalStateException.class, () -> OutputCommitter.commit(out(),
                Manifest.of(new Manifest.Counts(0, 0, 0), Map.of()), SO));
        assertTrue(e.getMessage().contains("errors/part-00003.csv was not written by this run"), e.getMessage());
        assertFalse(OutputCommitter.isCommitted(out(), SO));
    }

    @Test
    void manifestChecksItsInvariants() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Manifest.Counts(10, 8, 1));
        assertTrue(e.getMessage().contains("10 != 0 + 8 + 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Manifest.Counts(10, 2, 7, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Manifest.of(new Manifest.Counts(0, 0, 0), Map.of())
                .withFiles(List.of(new PartFile("a", 0, 0), new PartFile("a", 0, 0))));
        assertThrows(IllegalArgumentException.class, () -> new PartFile("/abs", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Manifest.fromJson("{\"version\": [}"));

        StorageException missing = assertThrows(StorageException.class, () -> Manifest.read(out(), SO));
        assertTrue(missing.getMessage().contains("did not finish"), missing.getMessage());
    }
}
