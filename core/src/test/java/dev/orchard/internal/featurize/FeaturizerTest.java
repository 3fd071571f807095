package dev.orchard.internal.featurize;

import dev.orchard.FeaturizeOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.FeatureRecord;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.arch.SampleCnn;
import dev.orchard.internal.source.ImageListing;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.StorageOptions;
import dev.orchard.testing.SparkTestSupport;
import dev.orchard.testing.Tolerances;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark featurization against a direct single-process TensorFlow call on the same images. */
class FeaturizerTest {

    @TempDir
    static Path dir;

    static ModelPackage pkg;
    static ImageListing listing;
    static final int GOOD = 23;

    @BeforeAll
    static void setUp() throws Exception {
        Path model = dir.resolve("model");
        SampleCnn.export(model, 7);
        pkg = ModelPackage.fromDirectory(model, ModelOverrides.none());
        Random rnd = new Random(1);
        for (int i = 0; i < GOOD; i++) {
            String cls = "Class " + (i % 3);
            Path p = dir.resolve("images").resolve(cls).resolve(i + "_100." + (i % 4 == 0 ? "png" : "jpg"));
            Files.createDirectories(p.getParent());
            BufferedImage img = new BufferedImage(80 + i, 100, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillOval(10 + i, 10, 50, 60);
            g.dispose();
            ImageIO.write(img, i % 4 == 0 ? "png" : "jpg", p.toFile());
        }
        Files.write(dir.resolve("images/Class 0/broken.jpg"), "not really a jpeg".getBytes());
        Files.write(dir.resolve("images/Class 1/empty.jpg"), new byte[0]);
        listing = ImageSource.list(dir.resolve("images").toString(), StorageOptions.defaults());
    }

    @Test
    void sparkFeaturesEqualDirectTensorFlowAndErrorsKeepTheirReason() throws Exception {
        JavaSparkContext sc = SparkTestSupport.sc();
        Broadcast<ModelPackage> b = sc.broadcast(pkg);
        LongAccumulator inferences = sc.sc().longAccumulator();
        JavaRDD<ImageRef> refs = ImageSource.parallelize(sc, listing, 7);
        assertTrue(refs.getNumPartitions() >= 2);

        List<Featurized> out = Featurizer.featurize(refs, b, FeaturizeOptions.defaults().withBatchSize(5), inferences)
                .collect();

        assertEquals(listing.size(), out.size(), "every listed image is accounted for");
        assertEquals(GOOD, inferences.value(), "the CNN ran once per good image");
        Map<String, Featurized> byId = out.stream().collect(Collectors.toMap(Featurized::imageId, f -> f));
        assertFalse(byId.get(listing.root() + "/Class 0/broken.jpg").isOk());
        assertTrue(byId.get(listing.root() + "/Class 0/broken.jpg").error().reason().startsWith("not an image"));
        assertTrue(byId.get(listing.root() + "/Class 1/empty.jpg").error().reason().startsWith("empty file"));

        ImageDecoder decoder = ImageDecoder.forModel(pkg.spec(), ImageDecoder.DEFAULT_MAX_PIXELS);
        try (LoadedModel direct = ExecutorModels.load(pkg)) {
            int checked = 0;
            for (ImageRef ref : listing.images()) {
                Featurized f = byId.get(ref.uri());
                if (!f.isOk()) {
                    continue;
                }
                FeatureRecord r = f.features();
                assertEquals(ref.label(), r.label());
                assertEquals(ref.labelIndex(), r.labelIndex());
                float[] input = decoder.decode(Files.readAllBytes(Path.of(ref.uri().substring("file://".length()))));
                float[] expected = direct.run(input, 1)[0];
                assertEquals(pkg.spec().featureDim(), r.features().length);
                for (int j = 0; j < expected.length; j++) {
                    assertEquals(expected[j], r.features()[j], Tolerances.F32 * Math.max(1, Math.abs(expected[j])),
                            ref.uri() + " feature " + j);
                }
                checked++;
            }
            assertEquals(GOOD, checked);
        }
    }
}
