package dev.orchard;

import dev.orchard.internal.featurize.Featurizer;
import dev.orchard.internal.incremental.FeatureUnion;
import dev.orchard.internal.incremental.IncrementalRun;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.pca.Moments;
import dev.orchard.internal.pca.Pca;
import dev.orchard.internal.source.DistributedListing;
import dev.orchard.internal.source.ImageRef;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.internal.storage.Storages;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orchard: images to compact, model-ready features on Spark — the one place a Spark job starts from.
 *
 * <pre>{@code
 * SparkConf conf = Orchard.configure(new SparkConf().setAppName("fruits"));   // TensorFlow's environment
 * try (JavaSparkContext sc = new JavaSparkContext(conf)) {
 *     Orchard orchard = Orchard.builder(sc).storage(StorageOptions.defaults().withRegion("eu-west-1")).build();
 *     Model model = orchard.model("s3://bucket/models/mobilenet_v2");
 *     try (Featurization f = orchard.featurize(orchard.list("s3://bucket/fruits/Training"), model);
 *          Output out = orchard.output("s3://bucket/features/run-1").open()) {
 *         PcaModel pca = orchard.fitPca(f.features(), PcaOptions.fixedK(50));
 *         out.write(f);
 *         out.write(pca, pca.transform(f.features()));
 *         out.commit();                                            // _SUCCESS, written last
 *     }
 * }
 * }</pre>
 *
 * <p>The stages, in order: <b>list</b> ({@link #list}, or {@link #fromUris}/{@link #fromBytes} for an RDD a job
 * already has) → <b>model</b> ({@link #model}: a SavedModel packed once on the driver) → <b>featurize</b>
 * ({@link #featurize}: the model broadcast once, loaded once per executor JVM, batched TensorFlow runs; results
 * persisted so the CNN runs once per image) → <b>pca</b> ({@link #fitPca}, {@link PcaModel#transform}) →
 * <b>sink</b> ({@link #output}: Parquet/CSV part files under an all-or-nothing commit).
 *
 * <p>An {@code Orchard} holds the Spark context and the storage options; it owns no resources (what it returns
 * does: close {@link Featurization} and {@link Output}). Thread-safe.
 */
public final class Orchard {

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static final String VERSION = readVersion();

    /** Components whose explained variance {@link PcaModel#spectrum()} keeps after {@link #fitPca}. */
    public static final int SPECTRUM_COMPONENTS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(Orchard.class);

    /**
     * What TensorFlow reads from the process environment once, when its native library loads (Java cannot set
     * a running process's environment, so these must be set where executors are launched):
     * <ul>
     *   <li>{@code TF_ENABLE_ONEDNN_OPTS=1}: oneDNN kernels; MobileNetV2 2.7× faster on AVX2 CPUs (measured,
     *       benchmarks/README.md), off by default in TensorFlow Java's build;</li>
     *   <li>{@code TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1}: oneDNN lays each filter out once instead of on every batch
     *       (true for Orchard: weights never change after loading);</li>
     *   <li>{@code TF_OVERRIDE_GLOBAL_THREADPOOL=1}: each session gets its own intra-op pool of the size asked
     *       (otherwise the first session of the JVM sizes one pool for all);</li>
     *   <li>{@code TF_CPP_MIN_LOG_LEVEL=2}: no INFO/WARNING lines from TensorFlow's C++ code.</li>
     * </ul>
     */
    public static final Map<String, String> NATIVE_ENVIRONMENT;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("TF_ENABLE_ONEDNN_OPTS", "1");
        m.put("TF_ONEDNN_ASSUME_FROZEN_WEIGHTS", "1");
        m.put("TF_OVERRIDE_GLOBAL_THREADPOOL", "1");
        m.put("TF_CPP_MIN_LOG_LEVEL", "2");
        NATIVE_ENVIRONMENT = Collections.unmodifiableMap(m);
    }

    private final JavaSparkContext sc;
    private final StorageOptions storage;
    private final int maxPartitionSize;

    private Orchard(Builder b) {
        this.sc = b.sc;
        this.storage = b.storage;
        this.maxPartitionSize = b.maxPartitionSize;
    }

    /**
     * Sets TensorFlow's environment ({@link #NATIVE_ENVIRONMENT}) for executors ({@code spark.executorEnv.*}) and
     * for a YARN cluster-mode driver ({@code spark.yarn.appMasterEnv.*}), and {@code OPENBLAS_NUM_THREADS=1} for
     * executors (one task per core already runs there), unless already set, and checks this
     * JVM's own environment: the driver loads TensorFlow too (precision checks, some PCA kernels), and a
     * missing variable there is logged at WARN with the line to fix it. Call it before creating the
     * {@code SparkContext}: executors read the environment when they start.
     *
     * @param conf the configuration to complete (Modified)
     * @return {@code conf}
     */
    public static SparkConf configure(SparkConf conf) {
        Objects.requireNonNull(conf, "conf");
        NATIVE_ENVIRONMENT.forEach((k, v) -> {
            conf.setIfMissing("spark.executorEnv." + k, v);
            conf.setIfMissing("spark.yarn.appMasterEnv." + k, v);
        });
        // Executors run one task per core already: a native BLAS spawning its own threads per call (PCA's dsyrk)
        // would oversubscribe them (Spark's MLlib guide recommends the same). The driver keeps its default.
        conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
        List<String> missing = missingNativeEnvironment(System.getenv());
        if (!missing.isEmpty()) {
            LOG.warn("This JVM started without {} in its environment: TensorFlow on the driver runs without "
                    + "oneDNN (2.7x slower on AVX2 CPUs). Set them where the driver is launched, e.g. "
                    + "`export TF_ENABLE_ONEDNN_OPTS=1 TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1 "
                    + "TF_OVERRIDE_GLOBAL_THREADPOOL=1 TF_CPP_MIN_LOG_LEVEL=2`", missing);
        }
        return conf;
    }

    /** The {@link #NATIVE_ENVIRONMENT} variables that {@code env} lacks or sets to another value. */
    static List<String> missingNativeEnvironment(Map<String, String> env) {
        return NATIVE_ENVIRONMENT.entrySet().stream()
                .filter(e -> !"TF_CPP_MIN_LOG_LEVEL".equals(e.getKey()) && !e.getValue().equals(env.get(e.getKey())))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Starts configuring an {@code Orchard} on a running Spark context. */
    public static Builder builder(JavaSparkContext sc) {
        return new Builder(sc);
    }

    /** The storage options every stage uses (listing, model, fetching, writing). */
    public StorageOptions storage() {
        return storage;
    }

    /** The Spark context stages run on. */
    public JavaSparkContext sparkContext() {
        return sc;
    }

    // ---- source -----------------------------------------------------------------------------------------

    /**
     * The images under a URI ({@code s3://bucket/prefix} or a local directory): {@code .jpg/.jpeg/.png} in any
     * case; label = name of the parent folder (Fruits-360's {@code Training/<Class>/<file>.jpg}); labels sorted,
     * label index = position. Spread over balanced partitions of at most the builder's {@code maxPartitionSize}
     * images, whatever the class skew, the same ones on every run over the same objects.
     *
     * <p>The executors list: the driver only finds the class folders (one delimited listing per level) and keeps
     * O(folders + labels), whatever the number of images (docs/listing.md). Their listing stays cached on the
     * executors until the returned {@code Images} is no longer referenced (Spark's context cleaner frees it).
     *
     * @throws StorageException if the input cannot be listed
     * @throws IllegalArgumentException if it holds no image
     */
    public Images list(String inputUri) {
        DistributedListing listing = ImageSource.listDistributed(sc, ImageSource.discover(inputUri, storage), storage,
                maxPartitionSize);
        return new Images(listing.images(), listing.labels(), listing.root(), listing.count(), listing.ignored());
    }

    /**
     * Images a job already has as (image id, URI to fetch) pairs — URIs raw as Orchard writes them
     * ({@code s3://bucket/a b.jpg}, {@code file:///data/a b.jpg}, not percent-encoded): executors fetch each URI with this
     * {@code Orchard}'s storage options. The image id becomes {@code image_id}; the label is the name of the
     * id's parent folder (empty when it has none). Labels are found with one Spark job over the keys:
     * persist {@code images} first if it is expensive to compute.
     */
    public Images fromUris(JavaPairRDD<String, String> images) {
        Objects.requireNonNull(images, "images");
        List<String> labels = labelsOf(images.keys());
        return new Images(images.map(t -> new ImageRef(t._1(), Storages.parentName(t._1()), 0, -1, "", null, t._2()))
                .mapPartitions(new Relabel(labels)), labels, null, -1, 0);
    }

    /**
     * Images a job already holds as (image id, encoded bytes) pairs (JPEG or PNG): nothing is fetched.
     * The label is the name of the id's parent folder (empty when it has none); see {@link #fromUris}.
     */
    public Images fromBytes(JavaPairRDD<String, byte[]> images) {
        Objects.requireNonNull(images, "images");
        List<String> labels = labelsOf(images.keys());
        return new Images(images.map(t -> new ImageRef(t._1(), Storages.parentName(t._1()), 0, t._2().length, "",
                t._2())).mapPartitions(new Relabel(labels)), labels, null, -1, 0);
    }

    private static List<String> labelsOf(JavaRDD<String> ids) {
        return ids.map(Storages::parentName).distinct().collect().stream().sorted().toList();
    }

    // ---- model ------------------------------------------------------------------------------------------

    /** A SavedModel directory (local or S3), with its input, output and preprocessing read from the model. */
    public Model model(String uri) {
        return model(uri, ModelOptions.fromModel());
    }

    /**
     * A SavedModel directory (local or S3), packed on the driver (checked and size-bounded) to be broadcast
     * once per featurization.
     *
     * @throws ModelException if it is not a usable SavedModel
     * @throws StorageException if it cannot be read
     */
    public Model model(String uri, ModelOptions options) {
        Objects.requireNonNull(options, "options");
        ModelOverrides overrides = new ModelOverrides(options.signatureKey(), options.inputTensor(),
                options.outputTensor(), options.imageSize(),
                options.preprocessing() == null ? null : Preprocessing.parse(options.preprocessing()));
        return new Model(ModelPackage.fromUri(uri, storage, overrides));
    }

    // ---- featurize --------------------------------------------------------------------------------------

    /** {@link #featurize(Images, Model, FeaturizeOptions)} with the default options. */
    public Featurization featurize(Images images, Model model) {
        return featurize(images, model, FeaturizeOptions.defaults());
    }

    /**
     * Runs the model over the images: broadcast once, loaded once per executor JVM with as many TensorFlow
     * intra-op threads as the executor has cores, batched. The result is lazy until its first action and then
     * persisted, so writing features, counting and fitting PCA run the CNN once per image. Close it (it
     * unpersists, evicts the model, destroys the broadcast).
     *
     * @param options batch size, limits, precision; its storage is replaced by this {@code Orchard}'s
     */
    public Featurization featurize(Images images, Model model, FeaturizeOptions options) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(model, "model");
        return Featurization.start(sc, images, model, options.withStorage(storage));
    }

    // ---- pca --------------------------------------------------------------------------------------------

    /**
     * Fits PCA on feature vectors in one distributed pass (blocked co-moments merged pairwise, then an
     * eigendecomposition on the driver). Persist {@code features} first (a {@link Featurization}'s are).
     *
     * @throws IllegalArgumentException if there are fewer than 2 vectors or their lengths differ
     */
    public PcaModel fitPca(JavaRDD<FeatureRecord> features, PcaOptions options) {
        Objects.requireNonNull(options, "options");
        Moments moments = Pca.momentsFloat(features.map(FeatureRecord::features), options.kernel());
        PcaModel model = Pca.fromMoments(moments, options);
        long wide = Math.min(Math.min(model.inputDimension(), model.count() - 1), SPECTRUM_COMPONENTS);
        if (wide > model.k()) { // the curve past the cut, from the same moments: no second pass
            model.spectrum(Pca.fromMoments(moments, options.withK((int) wide)).explainedVarianceRatio());
        }
        return model;
    }

    /**
     * Compares a listing with earlier committed outputs (and the outputs they continued from): see
     * {@link ListingDiff}. Lazy: the first {@link ListingDiff#counts()} runs the join.
     *
     * @param previousOutputs output roots (or their {@code features/} folders)
     * @throws StorageException if one is not a committed Orchard output
     * @throws IllegalArgumentException if they hold features of another model than {@code model} makes
     */
    public ListingDiff diff(Images images, Model model, List<String> previousOutputs) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(model, "model");
        IncrementalRun run = IncrementalRun.start(sc, previousOutputs, null, images.refs(), model.featureSpec(),
                storage);
        return ListingDiff.of(run, images, maxPartitionSize);
    }

    // ---- sink -------------------------------------------------------------------------------------------

    /** Starts a committed output under a URI (local folder or {@code s3://bucket/prefix}). */
    public Output.Builder output(String outputUri) {
        return new Output.Builder(sc, outputUri, storage);
    }

    /**
     * Reads the features of an earlier output ({@code <output>/features}, CSV or Parquet part files).
     *
     * @throws StorageException if they cannot be read
     */
    public JavaRDD<FeatureRecord> readFeatures(String featuresUri) {
        return readFeatures(List.of(featuresUri));
    }

    /**
     * Reads the union of one or more outputs' features, one row per image: each output, and every output an
     * incremental one continued from, newest row of each image, retired images left out (label indices then
     * follow the union's sorted labels). A single folder of a full run reads as written.
     *
     * @param featuresUris {@code features/} folders or output roots
     * @throws StorageException if they cannot be read
     * @throws IllegalArgumentException if they hold features of different models
     */
    public JavaRDD<FeatureRecord> readFeatures(List<String> featuresUris) {
        return FeatureUnion.read(sc, featuresUris, storage).features();
    }

    /** Configures an {@link Orchard}. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private StorageOptions storage = StorageOptions.defaults();
        private int maxPartitionSize = ImageSource.DEFAULT_MAX_PARTITION_SIZE;

        private Builder(JavaSparkContext sc) {
            this.sc = Objects.requireNonNull(sc, "sc");
        }

        /** Region, endpoint, retries and encryption for S3 (default: {@link StorageOptions#defaults()}). */
        public Builder storage(StorageOptions options) {
            this.storage = Objects.requireNonNull(options, "storage");
            return this;
        }

        /** Most images per partition of a listing (default 1,000); at least 1. */
        public Builder maxPartitionSize(int images) {
            if (images < 1) {
                throw new IllegalArgumentException("maxPartitionSize must be >= 1 but was " + images);
            }
            this.maxPartitionSize = images;
            return this;
        }

        public Orchard build() {
            return new Orchard(this);
        }
    }

    /** Sets each image's label index from the sorted labels (one lookup map per partition). */
    private static final class Relabel implements
            org.apache.spark.api.java.function.FlatMapFunction<java.util.Iterator<ImageRef>, ImageRef> {
        private static final long serialVersionUID = 1L;
        private final List<String> labels;

        Relabel(List<String> labels) {
            this.labels = List.copyOf(labels);
        }

        @Override
        public java.util.Iterator<ImageRef> call(java.util.Iterator<ImageRef> it) {
            Map<String, Integer> index = new java.util.HashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                index.put(labels.get(i), i);
            }
            return new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public ImageRef next() {
                    ImageRef r = it.next();
                    return new ImageRef(r.uri(), r.label(), index.getOrDefault(r.label(), -1), r.size(), r.version(),
                            r.bytes(), r.location());
                }
            };
        }
    }

    private static String readVersion() {
        try (InputStream in = Orchard.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
