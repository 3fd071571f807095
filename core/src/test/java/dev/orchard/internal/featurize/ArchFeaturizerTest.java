package dev.orchard.internal.featurize;

import dev.orchard.FeaturizeOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.model.arch.Vgg16;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Spark featurization with the real architectures (exported SavedModels, seeded weights) equals a direct
 * single-process TensorFlow call on the same decoded images, for MobileNetV2 and VGG16. Sizes are kept small
 * for CI time (MobileNetV2 at 128 px, upsampling the 100 px JPEGs; VGG16 at 32 px, downsampling them, where
 * fc1 sees a 1x1x512 flatten); the code path is the one a 224 px model takes.
 */
class ArchFeaturizerTest {

    @TempDir
    static Path dir;

    static ImageListing listing;
    static final int IMAGES = 14;

    @BeforeAll
    static void images() throws Exception {
        Random rnd = new Random(3);
        for (int i = 0; i < IMAGES; i++) {
            Path p = dir.resolve("images").resolve("Class " + (i % 2)).resolve(i + "_100.jpg");
            Files.createDirectories(p.getParent());
            BufferedImage img = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 100, 100);
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillOval(5 + i, 10, 60, 70);
            g.dispose();
            ImageIO.write(img, "jpg", p.toFile());
        }
        listing = ImageSource.list(dir.resolve("images").toString(), StorageOptions.defaults());
    }

    /**
     * Batches of 4 over 3 partitions (a partial last batch in each) against the same images run one at a
     * time: oneDNN picks kernels per batch size, so the two agree to float rounding accumulated over the
     * layers, relative to the largest feature ({@link Tolerances#F32_DEEP}).
     */
    @ParameterizedTest
    @CsvSource({"mobilenet_v2, 128", "vgg16, 32"})
    void sparkFeaturesEqualDirectTensorFlow(String arch, int size) throws Exception {
        Path model = dir.resolve(arch + "-" + size);
        if (arch.equals(MobileNetV2.ARCH)) {
            MobileNetV2.export(model, 11, size);
        } else {
            Vgg16.export(model, 11, size);
        }
        ModelPackage pkg = ModelPackage.fromDirectory(model, ModelOverrides.none());
        assertEquals(size, pkg.spec().imageHeight());
        assertEquals(arch.equals(MobileNetV2.ARCH) ? Preprocessing.MOBILENET_V2 : Preprocessing.VGG16,
                pkg.spec().preprocessing(), "preprocessing comes from the SavedModel's metadata");

        JavaSparkContext sc = SparkTestSupport.sc();
        Broadcast<ModelPackage> b = sc.broadcast(pkg);
        LongAccumulator inferences = sc.sc().longAccumulator();
        JavaRDD<ImageRef> refs = ImageSource.parallelize(sc, listing, 5);
        assertTrue(refs.getNumPartitions() >= 2);
        List<Featurized> out;
        try {
            out = Featurizer.featurize(refs, b, FeaturizeOptions.defaults().withBatchSize(4), inferences).collect();
        } finally {
            ExecutorModels.evict(b);
            b.destroy();
        }
        assertEquals(IMAGES, out.size());
        assertEquals(IMAGES, inferences.value(), "the CNN ran once per image");
        Map<String, Featurized> byId = out.stream().collect(Collectors.toMap(Featurized::imageId, f -> f));

        ImageDecoder decoder = ImageDecoder.forModel(pkg.spec(), ImageDecoder.DEFAULT_MAX_PIXELS);
        try (LoadedModel direct = ExecutorModels.load(pkg)) {
            for (ImageRef ref : listing.images()) {
                Featurized f = byId.get(ref.uri());
                assertTrue(f.isOk(), ref.uri() + ": " + (f.isOk() ? "" : f.error().reason()));
                float[] got = f.features().features();
                float[] input = decoder.decode(Files.readAllBytes(Path.of(ref.uri().substring("file://".length()))));
                float[] expected = direct.run(input, 1)[0];
                assertEquals(pkg.spec().featureDim(), got.length);
                double scale = 0;
                double diff = 0;
                for (int j = 0; j < expected.length; j++) {
                    scale = Math.max(scale, Math.abs(expected[j]));
                    diff = Math.max(diff, Math.abs(expected[j] - got[j]));
                }
                assertTrue(scale > 0, "features are not all zero");
                assertTrue(diff <= Tolerances.F32_DEEP * scale, arch + " " + ref.uri() + ": max |diff| " + diff
                        + " vs largest feature " + scale);
            }
        }
    }
}
