package dev.orchard.internal.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.orchard.ErrorRecord;
import dev.orchard.FeatureRecord;
import dev.orchard.PcaRecord;

/** Seeded rows with the image ids and numbers that break naive writers. */
final class SinkFixtures {

    /** Image ids with every character CSV, URIs or encodings trip over. */
    static final List<String> AWKWARD_IDS = List.of(
            "file:///data/Training/Apple Braeburn/0_100.jpg",
            "s3://bucket/Training/a,b/1.jpg",
            "s3://bucket/Training/say \"cheese\"/2.jpg",
            "s3://bucket/Training/line\nbreak/3.jpg",
            "s3://bucket/Training/crlf\r\nbreak/4.jpg",
            "s3://bucket/Training/Pomme é 苹果 🍎/5.jpg",
            "s3://bucket/Training/a+b%20c#d/6.jpg",
            " leading and trailing space ",
            "\"",
            ",",
            "");

    /** Floats whose decimal form is easy to get wrong. */
    static final float[] AWKWARD_FLOATS = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
            Float.MIN_NORMAL, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.1f, 1f / 3, 1e-7f,
            16777217f, 3.4e38f};

    private SinkFixtures() {}

    static List<FeatureRecord> features(int n, int d, long seed) {
        Random rnd = new Random(seed);
        List<String> labels = List.of("Apple Braeburn", "Banana, ripe", "Kiwi \"gold\"", "Cherry 1");
        List<FeatureRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = i < AWKWARD_IDS.size() ? AWKWARD_IDS.get(i) : "s3://bucket/Training/x/" + i + ".jpg";
            float[] v = new float[d];
            for (int j = 0; j < d; j++) {
                v[j] = (i + j) % 7 == 0 ? AWKWARD_FLOATS[(i * 31 + j) % AWKWARD_FLOATS.length]
                        : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
            }
            int li = i % labels.size();
            out.add(new FeatureRecord(id, labels.get(li), li, v, i % 3 == 0 ? "" : (1000 + i) + ":\"etag-" + i + ",x\""));
        }
        return out;
    }

    static List<PcaRecord> pca(int n, int k, long seed) {
        Random rnd = new Random(seed);
        List<PcaRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = i < AWKWARD_IDS.size() ? AWKWARD_IDS.get(i) : "s3://bucket/Training/x/" + i + ".jpg";
            double[] v = new double[k];
            for (int j = 0; j < k; j++) {
                v[j] = j == 0 && i == 1 ? Double.MIN_VALUE : j == 1 && i == 2 ? -0.0 : rnd.nextGaussian() * 1e3 / 7;
            }
            out.add(new PcaRecord(id, "L" + (i % 3), i % 3, v));
        }
        return out;
    }

    static List<ErrorRecord> errors(int n) {
        List<ErrorRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = i < AWKWARD_IDS.size() ? AWKWARD_IDS.get(i) : "s3://bucket/Training/bad/" + i + ".jpg";
            out.add(new ErrorRecord(id, i % 2 == 0 ? "truncated JPEG: premature end of data, \"segment\" 3"
                    : "not an image\nsecond line", i + ":" + (1_700_000_000_000L + i)));
        }
        return out;
    }
}
