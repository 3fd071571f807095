package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.internal.sink.ChangeRecord;
import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.StorageOptions;
import dev.orchard.internal.sink.Manifest;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.storage.Storage;
import dev.orchard.internal.storage.Storages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The incremental scenario of issue 14 on one storage (local disk or S3): run on the sample images; add 40
 * images (10 of them in a new class that shifts every label index), change the bytes of 5 under the same key,
 * delete 3; run again {@code --incremental-from} the first output; compare with a fresh full run.
 */
abstract class IncrementalScenario {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Same image, other batch composition: float32 sums differ in the last bits. Relative L2 per vector. */
    static final double SAME_FEATURES = 1e-5;
    static final int ADDED = 40;
    static final int CHANGED = 5;
    static final int DELETED = 3;

    /** Root under which the input ({@code in/Training}) and the outputs ({@code runs/N}) live. */
    abstract String root();

    abstract StorageOptions options();

    /** Flags every command needs on this storage ({@code --s3-endpoint ...}). */
    abstract List<String> storageFlags();

    Storage storage() {
        return Storages.forUri(root(), options());
    }

    String input() {
        return root() + "/in/Training";
    }

    String run(int n) {
        return root() + "/runs/" + n;
    }

    int orchard(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(storageFlags());
        all.addAll(List.of("--master", "local[2]", "--max-partition-size", "64", "--no-probe", "--no-event-log"));
        return Main.execute(all.toArray(String[]::new));
    }

    /** The sample images, keyed by path relative to Training/. */
    static Map<String, byte[]> sampleImages() throws IOException {
        Path samples = Path.of(Samples.images());
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(samples)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                m.put(samples.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
            }
        }
        return m;
    }

    static byte[] flipped(byte[] jpeg, boolean vertical) throws IOException {
        BufferedImage in = ImageIO.read(new ByteArrayInputStream(jpeg));
        BufferedImage out = new BufferedImage(in.getWidth(), in.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < in.getHeight(); y++) {
            for (int x = 0; x < in.getWidth(); x++) {
                int sx = vertical ? x : in.getWidth() - 1 - x;
                int sy = vertical ? in.getHeight() - 1 - y : y;
                out.setRGB(x, y, in.getRGB(sx, sy));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, "jpg", bytes);
        return bytes.toByteArray();
    }

    void upload(Map<String, byte[]> images) throws IOException {
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
            storage().write(input() + "/" + e.getKey(), e.getValue());
        }
    }

    /** What the scenario did to the input. */
    record Mutation(List<String> added, List<String> changed, List<String> deleted) {}

    /** Adds 40 (10 in a new first class), changes 5 in place, deletes 3. */
    Mutation mutate(Map<String, byte[]> images) throws IOException {
        List<String> keys = new ArrayList<>(images.keySet());
        List<String> added = new ArrayList<>();
        for (int i = 0; i < ADDED; i++) {
            String src = keys.get((i * 37) % keys.size());
            String cls = i < 10 ? "Aaa New" : src.substring(0, src.indexOf('/'));
            String key = cls + "/added-" + i + ".jpg";
            storage().write(input() + "/" + key, flipped(images.get(src), i % 2 == 0));
            added.add(input() + "/" + key);
        }
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < CHANGED; i++) {
            String key = keys.get(11 + i * 53);
            storage().write(input() + "/" + key, flipped(images.get(key), true));
            changed.add(input() + "/" + key);
        }
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < DELETED; i++) {
            String key = keys.get(7 + i * 101);
            storage().delete(input() + "/" + key);
            deleted.add(input() + "/" + key);
        }
        return new Mutation(added, changed, deleted);
    }

    JsonNode json(String uri) throws IOException {
        return JSON.readTree(storage().readAllBytes(uri));
    }

    List<FeatureRecord> features(String output) {
        return Sink.readFeatureFolder(output + "/features", options());
    }

    /**
     * The union of an output chain computed here, independently of the code under test: the first output's
     * rows, then each later output's retirements, errors and rows on top.
     */
    Map<String, FeatureRecord> unionByHand(String... outputs) {
        Map<String, FeatureRecord> union = new HashMap<>();
        for (String out : outputs) {
            for (ChangeRecord c : Sink.readChangeFolder(out + "/changes", options())) {
                if (c.change() == ChangeRecord.Kind.RETIRED) {
                    union.remove(c.imageId());
                }
            }
            for (ErrorRecord e : Sink.readErrorFolder(out + "/errors", options())) {
                union.remove(e.imageId());
            }
            TreeSet<String> seen = new TreeSet<>();
            for (FeatureRecord f : features(out)) {
                assertTrue(seen.add(f.imageId()), "no image twice in " + out + ": " + f.imageId());
                union.put(f.imageId(), f);
            }
        }
        return union;
    }

    /** Same images, same labels, same vectors (relative L2 per vector); returns the largest difference seen. */
    static double assertSameFeatures(Map<String, FeatureRecord> expected, Map<String, FeatureRecord> actual) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()), "same images");
        double worst = 0;
        for (Map.Entry<String, FeatureRecord> e : expected.entrySet()) {
            FeatureRecord a = e.getValue();
            FeatureRecord b = actual.get(e.getKey());
            assertEquals(a.label(), b.label(), e.getKey());
            assertEquals(a.contentId(), b.contentId(), e.getKey());
            double diff = 0;
            double norm = 0;
            for (int j = 0; j < a.features().length; j++) {
                diff += Math.pow(a.features()[j] - b.features()[j], 2);
                norm += Math.pow(a.features()[j], 2);
            }
            double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), Float.MIN_NORMAL);
            worst = Math.max(worst, rel);
            assertTrue(rel <= SAME_FEATURES, e.getKey() + ": relative difference " + rel);
        }
        return worst;
    }

    static Map<String, FeatureRecord> byId(List<FeatureRecord> rows) {
        Map<String, FeatureRecord> m = new HashMap<>();
        for (FeatureRecord f : rows) {
            assertTrue(m.put(f.imageId(), f) == null, "no image twice: " + f.imageId());
        }
        return m;
    }

    /** Runs the whole scenario; returns the first output, for the subclass's further checks. */
    String scenario() throws IOException {
        Map<String, byte[]> images = sampleImages();
        upload(images);
        int n = images.size();
        assertEquals(0, orchard("run", "--input", input(), "--output", run(1), "--k", "5"));
        JsonNode firstReport = json(run(1) + "/report.json");
        assertEquals(n, firstReport.get("inferences").asLong());
        Manifest first = Manifest.read(run(1), options());
        assertEquals(new Manifest.Counts(n, 0, n, 0, 0), first.counts());
        assertTrue(features(run(1)).stream().allMatch(f -> !f.contentId().isEmpty()), "every row has its content id");

        Mutation m = mutate(images);
        assertEquals(0, orchard("run", "--input", input(), "--output", run(2), "--k", "5",
                "--incremental-from", run(1)));
        long listed = n + ADDED - DELETED;
        JsonNode report = json(run(2) + "/report.json");
        assertEquals(ADDED + CHANGED, report.get("inferences").asLong(), "only new and changed images ran the CNN");
        Manifest second = Manifest.read(run(2), options());
        assertEquals(new Manifest.Counts(listed, n - DELETED - CHANGED, ADDED + CHANGED, 0, DELETED), second.counts());
        assertEquals(List.of(run(1)), second.continuedFrom());
        JsonNode inc = report.get("incremental");
        assertEquals(n - DELETED - CHANGED, inc.get("reused").asLong());
        assertEquals(ADDED, inc.get("new").asLong());
        assertTrue(inc.get("savedVcpuSeconds").asDouble() > 0, inc.toString());
        assertEquals("this run", inc.get("rateFrom").asText());

        List<ChangeRecord> changes = Sink.readChangeFolder(run(2) + "/changes", options());
        assertEquals(new TreeSet<>(m.changed()), changes.stream().filter(c -> c.change() == ChangeRecord.Kind.CHANGED)
                .map(ChangeRecord::imageId).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(new TreeSet<>(m.deleted()), changes.stream().filter(c -> c.change() == ChangeRecord.Kind.RETIRED)
                .map(ChangeRecord::imageId).collect(Collectors.toCollection(TreeSet::new)));
        TreeSet<String> written = features(run(2)).stream().map(FeatureRecord::imageId)
                .collect(Collectors.toCollection(TreeSet::new));
        TreeSet<String> expectedWritten = new TreeSet<>(m.added());
        expectedWritten.addAll(m.changed());
        assertEquals(expectedWritten, written, "the incremental output holds exactly the new and changed images");

        assertEquals(0, orchard("run", "--input", input(), "--output", run(3), "--k", "5"));
        Map<String, FeatureRecord> fresh = byId(features(run(3)));
        assertEquals(listed, fresh.size());
        double worst = assertSameFeatures(fresh, unionByHand(run(1), run(2)));
        System.out.printf("incremental union vs fresh run: %d images, largest relative L2 difference %.3g%n",
                fresh.size(), worst);

        // The union through the CLI: pca over the chain sees every current image once.
        assertEquals(0, orchard("pca", "--features", run(2) + "/features", "--output", run(4), "--k", "5"));
        assertEquals(listed, json(run(4) + "/pca-model.json").get("count").asLong());
        assertEquals(listed, Manifest.read(run(4), options()).counts().listed());

        // Nothing new: no inference, everything reused, nothing changed.
        assertEquals(0, orchard("featurize", "--input", input(), "--output", run(5), "--incremental-from", run(2)));
        assertEquals(0, json(run(5) + "/report.json").get("inferences").asLong());
        assertEquals(new Manifest.Counts(listed, listed, 0, 0, 0), Manifest.read(run(5), options()).counts());
        assertEquals(List.of(), Sink.readChangeFolder(run(5) + "/changes", options()));
        return run(1);
    }
}
