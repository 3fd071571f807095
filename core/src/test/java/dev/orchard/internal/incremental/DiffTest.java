package dev.orchard.internal.incremental;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.sink.ChangeRecord;
import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.OutputFormat;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.OutputCommitter;
import dev.orchard.internal.sink.PartFile;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.testing.SparkTestSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listing diff and the "latest wins" reading of an output chain, on two partitions. */
class DiffTest {

    private static final StorageOptions SO = StorageOptions.defaults();
    private static final Set<OutputFormat> PARQUET = Set.of(OutputFormat.PARQUET);

    @TempDir
    Path tmp;

    private static JavaSparkContext sc() {
        return SparkTestSupport.sc();
    }

    private static String id(String name) {
        return "file:///in/" + name + ".jpg";
    }

    private static FeatureRecord row(String name, String label, int labelIndex, float v, String contentId) {
        return new FeatureRecord(id(name), label, labelIndex, new float[] {v, -v}, contentId);
    }

    private static ImageRef ref(String name, String label, int labelIndex, long size, String version) {
        return new ImageRef(id(name), label, labelIndex, size, version);
    }

    private String commit(String name, List<FeatureRecord> features, List<ErrorRecord> errors,
            List<ChangeRecord> changes, List<String> continuedFrom, long reused) {
        String root = tmp.resolve(name).toUri().toString();
        List<PartFile> files = new ArrayList<>(Sink.writeFeatures(sc().parallelize(features, 2), root, PARQUET, SO));
        files.addAll(Sink.writeErrors(sc().parallelize(errors, 2), root, PARQUET, SO));
        if (changes != null) {
            files.addAll(Sink.writeChanges(sc().parallelize(changes, 2), root, PARQUET, SO));
        }
        long retired = changes == null ? 0 : changes.stream().filter(c -> c.change() == ChangeRecord.Kind.RETIRED).count();
        Manifest m = Manifest.of(new Manifest.Counts(reused + features.size() + errors.size(), reused, features.size(),
                errors.size(), retired), Map.of(FeatureSpecs.KEY, Map.of("featureDim", "2")))
                .withFiles(files).withContinuedFrom(continuedFrom);
        OutputCommitter.commit(root, m, SO);
        return root;
    }

    @Test
    void classifiesEveryImageOnceAndReusesOnlyUnchangedFeatures() {
        String first = commit("run-1",
                List.of(row("a", "Apple", 0, 1, "1:1"), row("b", "Apple", 0, 2, "2:2"), row("c", "Kiwi", 1, 3, "3:3"),
                        row("d", "Kiwi", 1, 4, "4:4"), row("g", "Kiwi", 1, 7, "")),
                List.of(new ErrorRecord(id("e"), "truncated JPEG", "5:5")), null, List.of(), 0);

        List<ImageRef> listed = List.of(ref("a", "Apple", 1, 1, "1"), ref("b", "Apple", 1, 2, "9"),
                ref("d", "Kiwi", 2, 4, "4"), ref("e", "Kiwi", 2, 5, "5"), ref("f", "Banana", 0, 6, "6"),
                ref("g", "Kiwi", 2, 7, "7"));
        PreviousOutputs previous = PreviousOutputs.of(sc(), OutputChain.resolve(List.of(first), SO), SO);
        try (Diff diff = Diff.of(sc().parallelize(listed, 2), previous.identities())) {
            // a, d unchanged; b changed bytes; g had no content id then: changed; e failed before: retried;
            // f new; c gone.
            assertEquals(new Diff.Counts(1, 2, 1, 2, 1), diff.counts());
            assertEquals(listed.size(), diff.counts().listed());
            assertEquals(List.of(id("b"), id("e"), id("f"), id("g")),
                    diff.toFeaturize().map(ImageRef::uri).collect().stream().sorted().toList());
            List<ChangeRecord> changes = new ArrayList<>(diff.changes().collect());
            changes.sort(Comparator.comparing(ChangeRecord::imageId));
            assertEquals(List.of(new ChangeRecord(id("b"), ChangeRecord.Kind.CHANGED, "2:9", "2:2"),
                    new ChangeRecord(id("c"), ChangeRecord.Kind.RETIRED, "", "3:3"),
                    new ChangeRecord(id("g"), ChangeRecord.Kind.CHANGED, "7:7", "")), changes);
            List<FeatureRecord> reused = new ArrayList<>(diff.reusedFeatures(previous).collect());
            reused.sort(Comparator.comparing(FeatureRecord::imageId));
            assertEquals(List.of(row("a", "Apple", 1, 1, "1:1"), row("d", "Kiwi", 2, 4, "4:4")), reused,
                    "the earlier vectors, under this run's label indices");
        }
    }

    @Test
    void aChainReadsLatestWinsAndForgetsRetiredImages() {
        String first = commit("run-1",
                List.of(row("a", "Apple", 0, 1, "1:1"), row("b", "Apple", 0, 2, "2:2"), row("c", "Kiwi", 1, 3, "3:3")),
                List.of(new ErrorRecord(id("e"), "timeout", "5:5")), null, List.of(), 0);
        String second = commit("run-2", List.of(row("b", "Apple", 0, 20, "2:9"), row("e", "Kiwi", 1, 5, "5:5")),
                List.of(new ErrorRecord(id("a"), "truncated JPEG", "1:2")),
                List.of(new ChangeRecord(id("b"), ChangeRecord.Kind.CHANGED, "2:9", "2:2"),
                        new ChangeRecord(id("a"), ChangeRecord.Kind.CHANGED, "1:2", "1:1"),
                        new ChangeRecord(id("c"), ChangeRecord.Kind.RETIRED, "", "3:3")), List.of(first), 0);

        OutputChain chain = OutputChain.resolve(List.of(second + "/features"), SO);
        assertEquals(List.of(OutputChain.rootOf(first), OutputChain.rootOf(second)), chain.roots(),
                "the chain follows continuedFrom, oldest first");
        PreviousOutputs previous = PreviousOutputs.of(sc(), chain, SO);
        Map<String, FeatureRecord> latest = new TreeMap<>(previous.features().collectAsMap());
        assertEquals(List.of(id("b"), id("e")), List.copyOf(latest.keySet()),
                "a failed later, c retired: only the latest features of b and e");
        assertEquals(20f, latest.get(id("b")).features()[0]);
        Map<String, PreviousOutputs.Identity> ids = new TreeMap<>(previous.identities().collectAsMap());
        assertEquals(List.of(id("a"), id("b"), id("e")), List.copyOf(ids.keySet()));
        assertEquals(PreviousOutputs.State.FAILED, ids.get(id("a")).state());

        // c comes back with its old bytes: new again, since it was retired.
        List<ImageRef> listed = List.of(ref("a", "Apple", 0, 1, "2"), ref("b", "Apple", 0, 2, "9"),
                ref("c", "Kiwi", 1, 3, "3"), ref("e", "Kiwi", 1, 5, "5"));
        try (Diff diff = Diff.of(sc().parallelize(listed, 2), previous.identities())) {
            assertEquals(new Diff.Counts(1, 0, 1, 2, 0), diff.counts());
        }

        List<FeatureRecord> union = previous.latestFeatures().collect();
        assertEquals(2, union.size());
        assertTrue(union.stream().allMatch(f -> f.labelIndex() == (f.label().equals("Apple") ? 0 : 1)));
    }

    @Test
    void refusesUncommittedOutputsAndAnOutputInsideTheChain() {
        String first = commit("run-1", List.of(row("a", "Apple", 0, 1, "1:1")), List.of(), null, List.of(), 0);
        StorageException e = assertThrows(StorageException.class,
                () -> OutputChain.resolve(List.of(tmp.resolve("nothing").toString()), SO));
        assertTrue(e.getMessage().contains("not a committed Orchard output"), e.getMessage());
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class, () -> IncrementalRun.start(sc(),
                List.of(first), first, sc().emptyRDD(), null, SO));
        assertTrue(inside.getMessage().contains("new --output"), inside.getMessage());
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class, () -> IncrementalRun.start(sc(),
                List.of(first), tmp.resolve("run-2").toString(), sc().emptyRDD(), Map.of("featureDim", "1280"), SO));
        assertTrue(model.getMessage().contains("pass the same model"), model.getMessage());
    }

    @Test
    void classifyCoversEveryCase() {
        ImageRef now = ref("a", "A", 0, 10, "v2");
        assertEquals(Diff.Status.NEW, Diff.classify(now, null));
        assertEquals(Diff.Status.RETIRED, Diff.classify(null,
                new PreviousOutputs.Identity(0, PreviousOutputs.State.FEATURES, "10:v1")));
        assertEquals(Diff.Status.CHANGED, Diff.classify(now,
                new PreviousOutputs.Identity(0, PreviousOutputs.State.FEATURES, "10:v1")));
        assertEquals(Diff.Status.UNCHANGED, Diff.classify(now,
                new PreviousOutputs.Identity(0, PreviousOutputs.State.FEATURES, "10:v2")));
        assertEquals(Diff.Status.RETRIED, Diff.classify(now,
                new PreviousOutputs.Identity(0, PreviousOutputs.State.FAILED, "10:v2")));
        assertEquals(Diff.Status.CHANGED, Diff.classify(new ImageRef(id("a"), "A", 0),
                new PreviousOutputs.Identity(0, PreviousOutputs.State.FEATURES, "")), "unknown identity is never trusted");
        assertThrows(IllegalArgumentException.class, () -> Diff.classify(null, null));
    }
}
