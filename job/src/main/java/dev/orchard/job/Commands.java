package dev.orchard.job;

import dev.orchard.ModelException;
import dev.orchard.FeaturizeOptions;
import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.internal.model.ModelInspector;
import dev.orchard.ModelOptions;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.Precision;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.model.arch.SampleCnn;
import dev.orchard.internal.model.arch.Vgg16;
import dev.orchard.internal.model.arch.WeightImport;
import dev.orchard.internal.model.weights.WeightsException;
import dev.orchard.PcaOptions;
import dev.orchard.internal.probe.ProbeOptions;
import dev.orchard.OutputFormat;
import dev.orchard.internal.source.ImageSource;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The subcommands. Each validates its flags, builds a {@link JobConfig}, and hands it to {@link Pipeline}. */
final class Commands {

    private Commands() {}

    /** Flags every command that talks to storage or Spark shares. */
    static class Common {
        @Option(names = "--output", paramLabel = "URI",
                description = "Where results go (local path or s3://bucket/prefix). Default: a new folder under ./orchard-output")
        String output;

        @Option(names = "--overwrite", description = "Replace a non-empty output folder.")
        boolean overwrite;

        @Option(names = "--format", paramLabel = "parquet|csv|both", defaultValue = "parquet",
                description = "Part file format (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master. Default: spark-submit's, else embedded local[*].")
        String master;

        @Option(names = "--s3-endpoint", paramLabel = "URL",
                description = "Endpoint of an S3-compatible server (path-style addressing).")
        String s3Endpoint;

        @Option(names = "--region", paramLabel = "NAME", defaultValue = StorageOptions.DEFAULT_REGION,
                description = "S3 region (default: ${DEFAULT-VALUE}, Paris).")
        String region;

        @Option(names = "--max-partition-size", paramLabel = "N",
                defaultValue = "" + ImageSource.DEFAULT_MAX_PARTITION_SIZE,
                description = "At most N images per Spark partition (default: ${DEFAULT-VALUE}).")
        int maxPartitionSize;

        @Option(names = "--allow-non-eu-region",
                description = "Allow a --region outside the EU (refused by default: GDPR).")
        boolean allowNonEuRegion;

        @Option(names = "--sse", paramLabel = "aes256|kms",
                description = "Server-side encryption of what Orchard writes to S3.")
        String sse;

        @Option(names = "--sse-kms-key-id", paramLabel = "ID", description = "KMS key for --sse kms.")
        String sseKmsKeyId;

        @Option(names = "--verbose", description = "Spark's own logs and full stack traces.")
        boolean verbose;

        StorageOptions storage() {
            if (sseKmsKeyId != null && !"kms".equalsIgnoreCase(sse)) {
                throw new UsageException("--sse-kms-key-id needs --sse kms");
            }
            StorageOptions s = StorageOptions.defaults().withRegion(region);
            if (sse != null) {
                String mode = sse.toLowerCase(java.util.Locale.ROOT);
                if (!mode.equals(StorageOptions.SSE_AES256) && !mode.equals(StorageOptions.SSE_KMS)) {
                    throw new UsageException("--sse must be aes256 or kms but was '" + sse + "'");
                }
                s = s.withSse(mode, sseKmsKeyId);
            }
            return s3Endpoint == null ? s : s.withEndpoint(s3Endpoint);
        }

        Set<OutputFormat> formats() {
            return flag("--format", () -> OutputFormat.parse(format));
        }

        String outputOrDefault(String command) {
            if (output != null) {
                return Storages.normalize(output);
            }
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            return Storages.normalize(Paths.get("orchard-output", command + "-" + stamp).toString());
        }
    }

    /** Flags of the model and featurization. */
    static class ModelFlags {
        @Option(names = "--model", paramLabel = "URI",
                description = "SavedModel directory (local or s3://). Default: the sample model in data-samples.")
        String model;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + FeaturizeOptions.DEFAULT_BATCH_SIZE,
                description = "Images per TensorFlow run (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--image-size", paramLabel = "N",
                description = "Model input size in pixels (default: from the model's signature).")
        Integer imageSize;

        @Option(names = "--preprocessing", paramLabel = "mobilenet_v2|vgg16|unit",
                description = "Pixel preprocessing (default: from the model, else mobilenet_v2).")
        String preprocessing;

        @Option(names = "--signature", paramLabel = "KEY", description = "Signature to use (default: serving_default).")
        String signature;

        @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS,
                description = "Refuse images with more pixels than this (default: ${DEFAULT-VALUE}).")
        long maxPixels;

        @Option(names = "--precision", paramLabel = "fp32|bf16", defaultValue = "fp32",
                description = "Arithmetic of the TensorFlow sessions (default: ${DEFAULT-VALUE}). bf16 uses oneDNN's "
                        + "bfloat16 rewrite on CPUs with AVX512-BF16 or AMX (elsewhere TensorFlow keeps fp32 math) "
                        + "and reports the cosine similarity of its features to fp32 ones.")
        String precision;

        Precision precision() {
            try {
                return Precision.parse(precision);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--precision must be one of " + Precision.allowed() + " but was '"
                        + precision + "'");
            }
        }

        ModelOptions options() {
            if (preprocessing != null) {
                flag("--preprocessing", () -> Preprocessing.parse(preprocessing)); // fails fast with the allowed values
            }
            return new ModelOptions(signature, null, null, imageSize, preprocessing);
        }
    }

    /** Flags of PCA. */
    static class PcaFlags {
        @Option(names = "--k", paramLabel = "N", description = "Keep N principal components.")
        Integer k;

        @Option(names = "--variance", paramLabel = "F",
                description = "Keep the fewest components that explain this fraction of variance (default: 0.95).")
        Double variance;

        @Option(names = "--standardize", description = "Scale every feature to unit variance before PCA.")
        boolean standardize;

        PcaOptions options() {
            if (k != null && variance != null) {
                throw new UsageException("Give --k or --variance, not both");
            }
            if (k != null) {
                if (k < 1) {
                    throw new UsageException("--k must be >= 1 but was " + k);
                }
                return PcaOptions.fixedK(k).withStandardize(standardize);
            }
            double f = variance == null ? 0.95 : variance;
            if (!(f > 0 && f <= 1)) {
                throw new UsageException("--variance must be in (0, 1] but was " + f);
            }
            return PcaOptions.variance(f).withStandardize(standardize);
        }
    }

    /** Flags of the report: cost model, probe, event log, notifications. */
    static class ReportFlags {
        @Option(names = "--instance-type", paramLabel = "NAME", defaultValue = CostModel.DEFAULT_INSTANCE,
                description = "Instance type of the cost estimate (default: ${DEFAULT-VALUE}).")
        String instanceType;

        @Option(names = "--instance-price", paramLabel = "PRICE",
                description = "EC2 price of one instance-hour in --currency, on-demand or spot as --market says "
                        + "(default: " + CostModel.DEFAULT_PRICE + " EUR, m5.xlarge On-Demand in eu-west-3 from the "
                        + "2024 AWS price list: an assumption).")
        Double instancePrice;

        @Option(names = "--market", paramLabel = "on-demand|spot", defaultValue = CostModel.ON_DEMAND,
                description = "What --instance-price is: on-demand or spot (spot needs --instance-price) "
                        + "(default: ${DEFAULT-VALUE}).")
        String market;

        @Option(names = "--emr-fee", paramLabel = "PRICE", defaultValue = "0",
                description = "Amazon EMR's fee per instance-hour in --currency, added to the EC2 price "
                        + "(default: ${DEFAULT-VALUE}, not on EMR).")
        double emrFee;

        @Option(names = "--currency", paramLabel = "CODE", defaultValue = CostModel.DEFAULT_CURRENCY,
                description = "Currency of --instance-price and --emr-fee (default: ${DEFAULT-VALUE}).")
        String currency;

        @Option(names = "--executors", paramLabel = "N",
                description = "Executors of the cost estimate (default: the executors that ran, at their peak).")
        Integer executors;

        @Option(names = "--cores-per-executor", paramLabel = "N",
                description = "Cores per executor of the cost estimate (default: the cores that ran).")
        Integer coresPerExecutor;

        @Option(names = "--executors-per-instance", paramLabel = "N", defaultValue = "1",
                description = "Executors that fit on one instance: instances = ceil(executors / N) + 1 primary "
                        + "(default: ${DEFAULT-VALUE}).")
        int executorsPerInstance;

        @Option(names = "--no-probe", description = "Skip the linear probe of the report.")
        boolean noProbe;

        @Option(names = "--event-log", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Copy Spark's event log into <output>/spark-events/ (default: on).")
        boolean eventLog;

        @Option(names = "--notify-webhook", paramLabel = "URL",
                description = "POST the run's summary as JSON to this URL when the run ends.")
        String webhook;

        @Option(names = "--notify-sns-topic", paramLabel = "ARN",
                description = "Publish the run's summary to this SNS topic when the run ends.")
        String snsTopic;

        ReportOptions options(String region) {
            if (webhook != null && !webhook.matches("(?i)https?://.+")) {
                throw new UsageException("--notify-webhook must be an http:// or https:// URL but was " + webhook);
            }
            if (snsTopic != null && !snsTopic.startsWith("arn:")) {
                throw new UsageException("--notify-sns-topic must be a topic ARN (arn:aws:sns:...) but was " + snsTopic);
            }
            if (CostModel.SPOT.equals(market) && instancePrice == null) {
                throw new UsageException("--market spot needs --instance-price: the spot price you pay for "
                        + instanceType + " (aws ec2 describe-spot-price-history)");
            }
            boolean listed = instancePrice == null && instanceType.equals(CostModel.DEFAULT_INSTANCE)
                    && currency.equals(CostModel.DEFAULT_CURRENCY);
            if (instancePrice == null && !listed) {
                throw new UsageException("--instance-type " + instanceType + " / --currency " + currency
                        + " need --instance-price: Orchard knows only the default m5.xlarge price in EUR");
            }
            double price = instancePrice == null ? CostModel.DEFAULT_PRICE : instancePrice;
            String note = listed ? CostModel.DEFAULT_PRICE_NOTE : "given on the command line (--instance-price)";
            CostModel cost = new CostModel(instanceType, price, market, emrFee, currency, executors, coresPerExecutor,
                    executorsPerInstance, note);
            return new ReportOptions(cost, noProbe ? null : ProbeOptions.defaults(), eventLog,
                    new Notifier(webhook, snsTopic, region, null, System.err));
        }
    }

    /**
     * Parses a flag's value with a parser that throws {@link IllegalArgumentException}, which becomes a
     * usage error (exit 2) naming the flag. Only here: an IllegalArgumentException elsewhere is a failed run.
     */
    static <T> T flag(String name, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
    }

    /**
     * Refuses a local {@code --output} when Spark runs on a cluster: executors write their part files to
     * their own machines' disks and a cluster-mode driver writes the report and {@code _SUCCESS} to its
     * container's, all gone when the containers end. Checked before Spark starts.
     *
     * @param master {@code --master}, else spark-submit's {@code spark.master}, else null (embedded local)
     */
    static void requireSharedOutput(String output, String master) {
        if (master != null && !master.startsWith("local") && !Storages.isS3(output)) {
            throw new UsageException("--output " + output + " is a local path but Spark runs on " + master
                    + ": the cluster's machines would each write their part to their own disk; pass an "
                    + "s3://bucket/prefix");
        }
    }

    /** {@code --incremental-from}: featurize only what is new or changed since earlier outputs. */
    static class IncrementalFlags {
        @Option(names = "--incremental-from", paramLabel = "OUTPUT", split = ",",
                description = "Earlier committed output(s) to continue (comma-separated; each output's manifest names "
                        + "the ones it continued, which are followed too). Only new images and images whose size or "
                        + "ETag/modification time changed are fetched and featurized; the new output holds those, "
                        + "and changes/ lists the changed and retired images.")
        List<String> from;

        List<String> uris() {
            return from == null ? List.of() : from.stream().map(Storages::normalize).toList();
        }
    }

    static JobConfig featurizeConfig(String command, String input, Common c, ModelFlags m, PcaFlags p) {
        return featurizeConfig(command, input, c, m, p, List.of(), null);
    }

    static JobConfig featurizeConfig(String command, String input, Common c, ModelFlags m, PcaFlags p,
                                     List<String> incrementalFrom, String pcaModel) {
        if (c.maxPartitionSize < 1) {
            throw new UsageException("--max-partition-size must be >= 1 but was " + c.maxPartitionSize);
        }
        if (m.batchSize < 1 || m.batchSize > 4096) {
            throw new UsageException("--batch-size must be in [1, 4096] but was " + m.batchSize);
        }
        if (m.imageSize != null && m.imageSize < 1) {
            throw new UsageException("--image-size must be >= 1 but was " + m.imageSize);
        }
        if (m.maxPixels < 1) {
            throw new UsageException("--max-pixels must be >= 1 but was " + m.maxPixels);
        }
        Precision precision = m.precision();
        PcaOptions pcaOptions = p == null || pcaModel != null ? null : p.options();
        Set<OutputFormat> formats = c.formats();
        ModelOptions modelOptions = m.options();
        StorageOptions storage = c.storage();
        String in = Storages.normalize(input != null ? input : Samples.images());
        String model = Storages.normalize(m.model != null ? m.model : Samples.model());
        FeaturizeOptions fo = new FeaturizeOptions(m.batchSize, m.maxPixels, FeaturizeOptions.DEFAULT_FETCH_THREADS,
                storage, precision);
        return new JobConfig(command, in, c.outputOrDefault(command), model, null, modelOptions, pcaOptions, formats,
                fo, storage, c.maxPartitionSize, c.overwrite, c.master, incrementalFrom,
                pcaModel == null ? null : Storages.normalize(pcaModel));
    }

    static int execute(JobConfig cfg, Common c, ReportFlags rf, boolean withPca, boolean pcaOnly) {
        PrintStream err = System.err;
        ReportOptions reporting = rf.options(c.region);
        requireSharedOutput(cfg.output(), c.master != null ? c.master : System.getProperty("spark.master"));
        Preflights.check(cfg, c.allowNonEuRegion);
        try (Progress progress = new Progress(err);
             JavaSparkContext sc = SparkContexts.create("orchard " + cfg.command(), c.master, c.verbose,
                     reporting.eventLog())) {
            progress.start(sc);
            Pipeline pipeline = new Pipeline(cfg, sc, progress, reporting);
            Pipeline.Result r = pcaOnly ? (cfg.pcaModel() != null ? pipeline.transform() : pipeline.pca())
                    : pipeline.featurize(withPca);
            System.out.printf("%s: listed %d, featurized %d, failed %d%s%n", cfg.command(), r.listed(), r.featurized(),
                    r.failed(), cfg.incremental() ? ", reused " + r.reused() + ", retired " + r.retired() : "");
            String precisionLine = dev.orchard.internal.featurize.PrecisionCheck.summary(r.report());
            if (precisionLine != null) {
                System.out.println(precisionLine);
            }
            System.out.println("Output: " + r.output());
        }
        return 0;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "The whole pipeline: list → featurize → PCA → write → report. "
                    + "With no flags: the sample images and model of data-samples.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--input", paramLabel = "URI",
                description = "Images: a local folder or s3://bucket/prefix of <Class>/<image> (default: the sample set).")
        String input;
        @Mixin Common common = new Common();
        @Mixin ModelFlags model = new ModelFlags();
        @Mixin PcaFlags pca = new PcaFlags();
        @Mixin IncrementalFlags incremental = new IncrementalFlags();
        @Option(names = "--pca-model", paramLabel = "FILE",
                description = "Project with this pca-model.json of an earlier run instead of fitting a new PCA "
                        + "(the projections stay in that model's space).")
        String pcaModel;
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            if (pcaModel != null && (pca.k != null || pca.variance != null || pca.standardize)) {
                throw new UsageException("--pca-model projects with a fitted model: drop --k, --variance and "
                        + "--standardize");
            }
            return execute(featurizeConfig("run", input, common, model, pca, incremental.uris(), pcaModel), common,
                    report, true, false);
        }
    }

    @Command(name = "featurize", mixinStandardHelpOptions = true,
            description = "List → featurize → write features and errors (no PCA).")
    static final class Featurize implements Callable<Integer> {
        @Option(names = "--input", paramLabel = "URI", description = "Images (default: the sample set).")
        String input;
        @Mixin Common common = new Common();
        @Mixin ModelFlags model = new ModelFlags();
        @Mixin IncrementalFlags incremental = new IncrementalFlags();
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            return execute(featurizeConfig("featurize", input, common, model, null, incremental.uris(), null), common,
                    report, false, false);
        }
    }

    @Command(name = "pca", mixinStandardHelpOptions = true,
            description = "Fit PCA on existing features (a features/ folder of CSV or Parquet parts) "
                    + "and write projections and the model.")
    static final class PcaCmd implements Callable<Integer> {
        @Option(names = "--features", required = true, paramLabel = "URI", split = ",",
                description = "A features/ folder, e.g. <output>/features of an earlier run, or several "
                        + "(comma-separated): PCA is fitted over their union, one row per image (the latest output's "
                        + "wins; incremental outputs bring the outputs they continued).")
        List<String> features;
        @Mixin Common common = new Common();
        @Mixin PcaFlags pca = new PcaFlags();
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            return execute(pcaConfig("pca", features, common, pca.options(), null), common, report, true, true);
        }
    }

    static JobConfig pcaConfig(String command, List<String> features, Common common, PcaOptions options,
                               String pcaModel) {
        if (common.maxPartitionSize < 1) {
            throw new UsageException("--max-partition-size must be >= 1 but was " + common.maxPartitionSize);
        }
        return new JobConfig(command, null, common.outputOrDefault(command), null,
                features.stream().map(Storages::normalize).toList(), null, options, common.formats(),
                null, common.storage(), common.maxPartitionSize, common.overwrite, common.master, List.of(),
                pcaModel == null ? null : Storages.normalize(pcaModel));
    }

    @Command(name = "transform", mixinStandardHelpOptions = true,
            description = "Project existing features with an existing PCA model (no refit): writes pca/ in the "
                    + "model's space.")
    static final class Transform implements Callable<Integer> {
        @Option(names = "--pca-model", required = true, paramLabel = "FILE",
                description = "The pca-model.json of an earlier run (local or s3://).")
        String pcaModel;
        @Option(names = "--features", required = true, paramLabel = "URI", split = ",",
                description = "features/ folder(s) to project (comma-separated: their union, latest output wins).")
        List<String> features;
        @Mixin Common common = new Common();
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            return execute(pcaConfig("transform", features, common, null, pcaModel), common, report, true, true);
        }
    }

    @Command(name = "inspect-model", mixinStandardHelpOptions = true,
            description = "Print a SavedModel's signatures, inputs, outputs and shapes, and how Orchard will use it.")
    static final class InspectModel implements Callable<Integer> {
        @Option(names = "--model", paramLabel = "URI",
                description = "SavedModel directory, local or s3://bucket/prefix (default: the sample model).")
        String model;

        @Option(names = "--region", paramLabel = "NAME", defaultValue = StorageOptions.DEFAULT_REGION,
                description = "S3 region of an s3:// model (default: ${DEFAULT-VALUE}, Paris).")
        String region;

        @Option(names = "--s3-endpoint", paramLabel = "URL",
                description = "Endpoint of an S3-compatible server (path-style addressing).")
        String s3Endpoint;

        @Override
        public Integer call() throws IOException {
            String uri = Storages.normalize(model != null ? model : Samples.model());
            if (!Storages.isS3(uri)) {
                System.out.println(ModelInspector.describe(Storages.localPath(uri)));
                return 0;
            }
            // Download (as a run's driver does, with the same size limits), describe, delete.
            StorageOptions storage = StorageOptions.defaults().withRegion(region);
            ModelPackage pkg = ModelPackage.fromUri(uri, s3Endpoint == null ? storage : storage.withEndpoint(s3Endpoint),
                    ModelOverrides.none());
            Path tmp = java.nio.file.Files.createTempDirectory("orchard-inspect-");
            try {
                Path dir = pkg.unpackTo(tmp);
                System.out.println(ModelInspector.describe(dir).replace(dir.toAbsolutePath().normalize().toString(), uri));
            } finally {
                deleteTree(tmp);
            }
            return 0;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }

    @Command(name = "make-model", mixinStandardHelpOptions = true,
            description = "Build and export a SavedModel of a known architecture with seeded (not pretrained) weights.")
    static final class MakeModel implements Callable<Integer> {
        @Option(names = "--arch", paramLabel = "mobilenet_v2|vgg16|sample_cnn",
                description = "Architecture: mobilenet_v2 (1280 features, 9 MB), vgg16 (fc2, 4096 features, "
                        + "537 MB at 224 px) or sample_cnn (128 features). Required unless --weights names the "
                        + "network (then it is told from the layer names).")
        String arch;
        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to create.")
        String output;
        @Option(names = "--seed", defaultValue = "42", description = "Weight seed when no --weights "
                + "(default: ${DEFAULT-VALUE}): seeded weights are random, not trained.")
        long seed;
        @Option(names = "--weights", paramLabel = "FILE",
                description = "Pretrained weights to import instead of seeded ones: Keras 2 .h5 (what "
                        + "keras.applications downloads), Keras 3 .weights.h5 or .keras, or a TF.js model.json "
                        + "(float32 or uint8/uint16-quantized shards beside it). Matched by Keras layer name.")
        Path weights;
        @Option(names = "--alpha", paramLabel = "A",
                description = "MobileNetV2 width multiplier: 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 (default: read from "
                        + "--weights' shapes, else 1.0).")
        Double alpha;
        @Option(names = "--image-size", paramLabel = "N",
                description = "Square input size in pixels (default: 224 for mobilenet_v2 and vgg16, 100 for "
                        + "sample_cnn; mobilenet_v2 >= 32, vgg16 in [32, 320], sample_cnn >= 8).")
        Integer imageSize;

        @Override
        public Integer call() throws IOException {
            Path dir = Storages.localPath(output);
            if (weights != null) {
                return importWeights(dir);
            }
            if (arch == null) {
                throw new UsageException("make-model needs --arch (mobilenet_v2, vgg16 or sample_cnn), or --weights FILE");
            }
            try {
                switch (arch) {
                    case MobileNetV2.ARCH -> MobileNetV2.export(dir, seed,
                            imageSize != null ? imageSize : MobileNetV2.DEFAULT_IMAGE_SIZE, alpha != null ? alpha : 1.0);
                    case Vgg16.ARCH -> Vgg16.export(dir, seed, imageSize != null ? imageSize : Vgg16.DEFAULT_IMAGE_SIZE);
                    case SampleCnn.ARCH -> SampleCnn.export(dir, seed,
                            imageSize != null ? imageSize : SampleCnn.DEFAULT_IMAGE_SIZE, SampleCnn.DEFAULT_FEATURE_DIM);
                    default -> throw new UsageException("Unknown --arch '" + arch
                            + "': use mobilenet_v2, vgg16 or sample_cnn");
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage()); // the builders name the value and its limits
            }
            System.out.println("Wrote " + arch + " SavedModel to " + dir);
            return 0;
        }

        private int importWeights(Path dir) throws IOException {
            WeightImport.Result r;
            try {
                r = WeightImport.export(weights, arch, alpha, imageSize, dir);
            } catch (WeightsException e) {
                throw new ModelException(weights.toString(), e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            System.out.println("Wrote " + r.arch() + (Double.isNaN(r.alpha()) ? "" : " alpha " + r.alpha()) + " at "
                    + r.imageSize() + " px (" + r.featureDim() + " features) from " + r.origin().format().label()
                    + " weights " + r.origin().file() + " (sha256 " + r.origin().sha256() + ") to " + dir);
            if (!r.ignored().isEmpty()) {
                System.out.println("Ignored layers not in the backbone: " + String.join(", ", r.ignored()));
            }
            return 0;
        }
    }
}
