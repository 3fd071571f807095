package dev.orchard.bench.pipeline;

import dev.orchard.FeatureRecord;
import dev.orchard.FeaturizeOptions;
import dev.orchard.internal.featurize.Featurized;
import dev.orchard.internal.featurize.Featurizer;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.OutputFormat;
import dev.orchard.internal.sink.PartFile;
import dev.orchard.internal.sink.Sink;
import dev.orchard.internal.source.ImageListing;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;

/**
 * Soak: at least 20,000 images through one executor JVM (Spark local mode: the driver is the
 * executor), MobileNetV2 at a small input size, features written as Parquet. The resident set
 * (VmRSS of {@code /proc/self/status}, which counts TensorFlow's native memory as well as the Java
 * heap) is sampled every {@code --every} batches, by the task threads themselves as images leave the
 * featurizer. Prints RSS after warm-up and at the end, and PASS when the growth between them stays
 * below {@code --max-growth-mb}.
 *
 * <p>Run with a fixed, pre-touched heap ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}) so heap
 * growth cannot pass for, or hide, native growth.
 *
 * <pre>
 * TF_CPP_MIN_LOG_LEVEL=2 java -Xms1g -Xmx1g -XX:+AlwaysPreTouch $(spark opens) -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.pipeline.Soak [--images 20000] [--size 96] [--batch 32] [--every 20]
 *   [--warmup-images 4000] [--max-growth-mb 50] [--master local[2]] [--sink parquet|none]
 * </pre>
 */
public final class Soak {

    /** Images that have left the featurizer in this JVM (local mode: every task runs here). */
    static final AtomicLong DONE = new AtomicLong();
    /** Next image count at which to sample. */
    static final AtomicLong NEXT_SAMPLE = new AtomicLong();
    static final List<long[]> SAMPLES = new ArrayList<>(); // {images, rss, heapUsed, heapCommitted, nanos}
    static volatile long sampleEvery;

    private Soak() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int want = Integer.parseInt(a.getOrDefault("images", "20000"));
        int size = Integer.parseInt(a.getOrDefault("size", "96"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "32"));
        int every = Integer.parseInt(a.getOrDefault("every", "20"));
        long warmupImages = Long.parseLong(a.getOrDefault("warmup-images", "4000"));
        double maxGrowthMb = Double.parseDouble(a.getOrDefault("max-growth-mb", "50"));
        String master = a.getOrDefault("master", "local[2]");
        boolean write = !a.getOrDefault("sink", "parquet").equals("none"); // --sink none: count only (bisecting)
        Path training = BenchSupport.sampleRoot(a);
        Path work = Files.createTempDirectory("orchard-soak-");
        sampleEvery = (long) every * batch;

        System.out.println("# Orchard soak");
        System.out.println("cpu: " + BenchSupport.cpuModel() + ", cores " + Runtime.getRuntime().availableProcessors()
                + ", java " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB, load average " + BenchSupport.loadAverage());
        try {
            Path tree = work.resolve("images");
            int n = BenchSupport.replicate(BenchSupport.sampleImages(training), training, tree, want).size();
            Path modelDir = work.resolve("mobilenet_v2-" + size);
            MobileNetV2.export(modelDir, 42, size);
            System.out.println(n + " images, MobileNetV2 at " + size + " px, batch " + batch + ", master " + master
                    + ", RSS sampled every " + every + " batches (" + sampleEvery + " images)");

            SparkConf conf = new SparkConf().setAppName("orchard soak").setMaster(master)
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            long t0;
            double seconds;
            long inferred;
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                sc.setLogLevel("WARN");
                StorageOptions storage = StorageOptions.defaults();
                ImageListing listing = ImageSource.list(Storages.normalize(tree.toString()), storage);
                Broadcast<ModelPackage> model = sc.broadcast(ModelPackage.fromDirectory(modelDir, null));
                LongAccumulator inferences = sc.sc().longAccumulator("orchard.inferences");
                JavaRDD<ImageRef> images = ImageSource.parallelize(sc, listing, ImageSource.DEFAULT_MAX_PARTITION_SIZE);
                FeaturizeOptions options = FeaturizeOptions.defaults().withBatchSize(batch);
                sample(0); // before anything loaded
                t0 = System.nanoTime();
                JavaRDD<FeatureRecord> features = Featurizer.featurize(images, model, options, inferences)
                        .mapPartitions(Soak::counting)
                        .filter(Featurized::isOk).map(Featurized::features);
                long rows;
                if (write) {
                    List<PartFile> parts = Sink.writeFeatures(features,
                            Storages.normalize(work.resolve("out").toString()), Set.of(OutputFormat.PARQUET), storage);
                    rows = parts.stream().mapToLong(PartFile::rows).sum();
                } else {
                    rows = features.count();
                }
                seconds = (System.nanoTime() - t0) / 1e9;
                inferred = inferences.value();
                System.out.printf(Locale.ROOT, "%d images in %.1f s (%.1f images/s), %d feature rows written, "
                        + "%d inferences%n", n, seconds, n / seconds, rows, inferred);
                if (rows != n || inferred != n) {
                    throw new IllegalStateException("expected " + n + " rows and inferences");
                }
                ExecutorModels.evict(model);
                model.destroy();
            }
            sample(DONE.get());
            report(warmupImages, maxGrowthMb, n);
        } finally {
            BenchSupport.deleteRecursively(work);
        }
    }

    /** Counts images leaving the featurizer; the thread that crosses a sampling point samples. */
    private static Iterator<Featurized> counting(Iterator<Featurized> in) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public Featurized next() {
                Featurized f = in.next();
                long done = DONE.incrementAndGet();
                long next = NEXT_SAMPLE.get();
                if (done >= next && NEXT_SAMPLE.compareAndSet(next, next + sampleEvery)) {
                    sample(done);
                }
                return f;
            }
        };
    }

    private static void sample(long images) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long[] s = {images, BenchSupport.rssBytes(), heap.getUsed(), heap.getCommitted(), System.nanoTime()};
        synchronized (SAMPLES) {
            SAMPLES.add(s);
        }
    }

    private static void report(long warmupImages, double maxGrowthMb, int n) {
        List<long[]> s;
        synchronized (SAMPLES) {
            s = new ArrayList<>(SAMPLES);
        }
        System.out.println();
        System.out.println("| images | RSS MB | heap used MB | heap committed MB |");
        System.out.println("|---:|---:|---:|---:|");
        int step = Math.max(1, s.size() / 25);
        for (int i = 0; i < s.size(); i++) {
            if (i % step == 0 || i == s.size() - 1) {
                long[] x = s.get(i);
                System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.1f |%n", x[0], mb(x[1]), mb(x[2]), mb(x[3]));
            }
        }
        long[] warm = s.stream().filter(x -> x[0] >= warmupImages).findFirst()
                .orElseThrow(() -> new IllegalStateException("no sample after " + warmupImages + " images"));
        long[] last = s.stream().filter(x -> x[0] < n).reduce((p, q) -> q).orElseThrow(); // last one mid-run
        long[] end = s.get(s.size() - 1); // after the job, model closed
        double maxAfter = s.stream().filter(x -> x[0] >= warmupImages && x[0] < n).mapToDouble(x -> mb(x[1])).max()
                .orElse(Double.NaN);
        // least-squares slope of RSS over images, after warm-up, in MB per 10,000 images
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int k = 0;
        for (long[] x : s) {
            if (x[0] >= warmupImages && x[0] < n) {
                double xi = x[0] / 10_000.0;
                double yi = mb(x[1]);
                sx += xi;
                sy += yi;
                sxx += xi * xi;
                sxy += xi * yi;
                k++;
            }
        }
        double slope = k > 1 ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : Double.NaN;
        double growth = mb(last[1]) - mb(warm[1]);
        System.out.println();
        System.out.printf(Locale.ROOT, "RSS after warm-up (%d images): %.1f MB; at the last in-run sample (%d images): "
                        + "%.1f MB; max after warm-up %.1f MB; after the job (model closed): %.1f MB%n",
                warm[0], mb(warm[1]), last[0], mb(last[1]), maxAfter, mb(end[1]));
        System.out.printf(Locale.ROOT, "growth after warm-up: %.1f MB (bound %.0f MB); trend %.2f MB per 10,000 images "
                + "over %d samples%n", growth, maxGrowthMb, slope, k);
        boolean pass = growth < maxGrowthMb && maxAfter - mb(warm[1]) < maxGrowthMb;
        System.out.println(pass ? "PASS" : "FAIL");
        System.out.println("load average at end: " + BenchSupport.loadAverage());
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
