package dev.orchard.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchard.FeatureRecord;
import dev.orchard.internal.sink.Sink;
import dev.orchard.testing.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Test data on S3Proxy for the cluster tests: sample images and model in, Orchard's output checked. */
final class ItData {

    static final String MODEL = "data-samples/models/sample-cnn";
    static final String IMAGES = "data-samples/fruits-sample/Training";

    private ItData() {}

    /**
     * Uploads the first {@code perClass} images of the first {@code classes} sample classes to
     * {@code s3://bucket/prefix/<Class>/<file>} and returns their URIs (the {@code image_id}s Orchard writes).
     */
    static Set<String> uploadImages(S3ProxyServer s3, String bucket, String prefix, int classes, int perClass) {
        Path root = ItEnv.repoRoot().resolve(IMAGES);
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path cls : dirs.filter(Files::isDirectory).sorted().limit(classes).toList()) {
                try (Stream<Path> files = Files.list(cls)) {
                    for (Path img : files.sorted().limit(perClass).toList()) {
                        String key = prefix + "/" + cls.getFileName() + "/" + img.getFileName();
                        s3.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(img));
                        ids.add("s3://" + bucket + "/" + key);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(classes * perClass, ids.size(), "sample images uploaded");
        return ids;
    }

    /** Uploads the sample SavedModel to {@code s3://bucket/prefix} and returns that URI. */
    static String uploadModel(S3ProxyServer s3, String bucket, String prefix) {
        Path root = ItEnv.repoRoot().resolve(MODEL);
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = prefix + "/" + root.relativize(f).toString().replace('\\', '/');
                s3.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "s3://" + bucket + "/" + prefix;
    }

    static List<String> keys(S3ProxyServer s3, String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "/")).contents()
                .forEach((S3Object o) -> keys.add(o.key()));
        return keys;
    }

    /** The features of a committed output on S3, by image id (Parquet parts; the caller installs credentials). */
    static Map<String, float[]> features(S3ProxyServer s3, String bucket, String prefix) {
        Map<String, float[]> out = new HashMap<>();
        for (String key : keys(s3, bucket, prefix)) {
            if (key.startsWith(prefix + "/features/") && key.endsWith(".parquet")) {
                for (FeatureRecord r : Sink.readFeatureFile("s3://" + bucket + "/" + key, s3.options())) {
                    out.put(r.imageId(), r.features());
                }
            }
        }
        return out;
    }

    /**
     * Checks a committed {@code run} output on S3: one {@code _SUCCESS} whose counts reconcile, and
     * features in Parquet and in CSV that hold each image of {@code images} exactly once, and nothing else.
     */
    static void assertCompleteRun(S3ProxyServer s3, String bucket, String prefix, Set<String> images, int k)
            throws IOException {
        List<String> keys = keys(s3, bucket, prefix);
        List<String> success = keys.stream().filter(key -> key.endsWith("/_SUCCESS")).toList();
        assertEquals(List.of(prefix + "/_SUCCESS"), success, "exactly one _SUCCESS, at the output root: " + keys);
        JsonNode manifest = ItEnv.JSON.readTree(s3.client()
                .getObjectAsBytes(b -> b.bucket(bucket).key(prefix + "/_SUCCESS")).asByteArray());
        JsonNode counts = manifest.get("counts");
        assertEquals(images.size(), counts.get("listed").asLong(), manifest.toString());
        assertEquals(images.size(), counts.get("featurized").asLong(), manifest.toString());
        assertEquals(0, counts.get("failed").asLong(), manifest.toString());

        try (S3ProxyServer.DefaultCredentials creds = s3.installDefaultCredentials()) {
            for (String ext : List.of(".parquet", ".csv")) {
                List<FeatureRecord> rows = new ArrayList<>();
                List<String> parts = keys.stream()
                        .filter(key -> key.startsWith(prefix + "/features/") && key.endsWith(ext)).sorted().toList();
                assertTrue(parts.size() >= 2, "features in several " + ext + " parts: " + keys);
                for (String part : parts) {
                    rows.addAll(Sink.readFeatureFile("s3://" + bucket + "/" + part, s3.options()));
                }
                Map<String, Long> perImage = rows.stream()
                        .collect(Collectors.groupingBy(FeatureRecord::imageId, Collectors.counting()));
                assertEquals(images, new TreeSet<>(perImage.keySet()), ext + ": the images featurized");
                Map<String, Long> duplicated = new HashMap<>(perImage);
                duplicated.values().removeIf(c -> c == 1);
                assertEquals(Map.of(), duplicated, ext + ": images written more than once");
                int d = rows.get(0).features().length;
                for (FeatureRecord r : rows) {
                    assertEquals(d, r.features().length, r.imageId());
                    assertTrue(r.imageId().contains("/" + r.label() + "/"), r.imageId() + " labelled " + r.label());
                    for (float f : r.features()) {
                        assertTrue(Float.isFinite(f), r.imageId());
                    }
                }
            }
        }
        JsonNode model = ItEnv.JSON.readTree(s3.client()
                .getObjectAsBytes(b -> b.bucket(bucket).key(prefix + "/pca-model.json")).asByteArray());
        assertEquals(k, model.get("k").asInt());
        assertEquals(images.size(), model.get("count").asLong());
    }
}
