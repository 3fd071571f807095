package dev.orchard.job;

import dev.orchard.FeaturizeOptions;
import dev.orchard.internal.featurize.ImageDecoder;
import dev.orchard.internal.model.ModelInspector;
import dev.orchard.ModelOptions;
import dev.orchard.Precision;
import dev.orchard.internal.model.Preprocessing;
import dev.orchard.internal.model.arch.MobileNetV2;
import dev.orchard.internal.model.arch.SampleCnn;
import dev.orchard.internal.model.arch.Vgg16;
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
                Preprocessing.parse(preprocessing); // fails fast with the allowed values
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

        @Option(names = "--instance-price", paramLabel = "EUR",
                description = "Price of one instance-hour in euros (default: " + CostModel.DEFAULT_PRICE
                        + ", m5.xlarge On-Demand in eu-west-3 from the 2024 AWS price list: an assumption).")
        Double instancePrice;

        @Option(names = "--executors", paramLabel = "N", defaultValue = "" + CostModel.DEFAULT_EXECUTORS,
                description = "Executors (one instance each) of the cost estimate (default: ${DEFAULT-VALUE}).")
        int executors;

        @Option(names = "--cores-per-executor", paramLabel = "N", defaultValue = "" + CostModel.DEFAULT_CORES,
                description = "Cores per executor of the cost estimate (default: ${DEFAULT-VALUE}).")
        int coresPerExecutor;

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
            double price = instancePrice == null ? CostModel.DEFAULT_PRICE : instancePrice;
            String note = instancePrice == null && instanceType.equals(CostModel.DEFAULT_INSTANCE)
                    ? CostModel.DEFAULT_PRICE_NOTE : "given on the command line (--instance-price)";
            CostModel cost = new CostModel(instanceType, price, "EUR", executors, coresPerExecutor, note);
            return new ReportOptions(cost, noProbe ? null : ProbeOptions.defaults(), eventLog,
                    new Notifier(webhook, snsTopic, region, null, System.err));
        }
    }

    static JobConfig featurizeConfig(String command, String input, Common c, ModelFlags m, PcaFlags p) {
        if (c.maxPartitionSize < 1) {
            throw new UsageException("--max-partition-size must be >= 1 but was " + c.maxPartitionSize);
        }
        if (m.batchSize < 1 || m.batchSize > 4096) {
            throw new UsageException("--batch-size must be in [1, 4096] but was " + m.batchSize);
        }
        if (m.imageSize != null && m.imageSize < 1) {
            throw new UsageException("--image-size must be >= 1 but was " + m.imageSize);
        }
        Precision precision = m.precision();
        PcaOptions pcaOptions = p == null ? null : p.options();
        Set<OutputFormat> formats = OutputFormat.parse(c.format);
        ModelOptions modelOptions = m.options();
        StorageOptions storage = c.storage();
        String in = Storages.normalize(input != null ? input : Samples.images());
        String model = Storages.normalize(m.model != null ? m.model : Samples.model());
        FeaturizeOptions fo = new FeaturizeOptions(m.batchSize, m.maxPixels, FeaturizeOptions.DEFAULT_FETCH_THREADS,
                storage, precision);
        return new JobConfig(command, in, c.outputOrDefault(command), model, null, modelOptions, pcaOptions, formats,
                fo, storage, c.maxPartitionSize, c.overwrite, c.master);
    }

    static int execute(JobConfig cfg, Common c, ReportFlags rf, boolean withPca, boolean pcaOnly) {
        PrintStream err = System.err;
        ReportOptions reporting = rf.options(c.region);
        Preflights.check(cfg, c.allowNonEuRegion);
        try (Progress progress = new Progress(err);
             JavaSparkContext sc = SparkContexts.create("orchard " + cfg.command(), c.master, c.verbose,
                     reporting.eventLog())) {
            progress.start(sc);
            Pipeline pipeline = new Pipeline(cfg, sc, progress, reporting);
            Pipeline.Result r = pcaOnly ? pipeline.pca() : pipeline.featurize(withPca);
            System.out.printf("%s: listed %d, featurized %d, failed %d%n", cfg.command(), r.listed(), r.featurized(),
                    r.failed());
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
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            return execute(featurizeConfig("run", input, common, model, pca), common, report, true, false);
        }
    }

    @Command(name = "featurize", mixinStandardHelpOptions = true,
            description = "List → featurize → write features and errors (no PCA).")
    static final class Featurize implements Callable<Integer> {
        @Option(names = "--input", paramLabel = "URI", description = "Images (default: the sample set).")
        String input;
        @Mixin Common common = new Common();
        @Mixin ModelFlags model = new ModelFlags();
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            return execute(featurizeConfig("featurize", input, common, model, null), common, report, false, false);
        }
    }

    @Command(name = "pca", mixinStandardHelpOptions = true,
            description = "Fit PCA on existing features (a features/ folder of CSV or Parquet parts) "
                    + "and write projections and the model.")
    static final class PcaCmd implements Callable<Integer> {
        @Option(names = "--features", required = true, paramLabel = "URI",
                description = "A features/ folder, e.g. <output>/features of an earlier run.")
        String features;
        @Mixin Common common = new Common();
        @Mixin PcaFlags pca = new PcaFlags();
        @Mixin ReportFlags report = new ReportFlags();

        @Override
        public Integer call() {
            if (common.maxPartitionSize < 1) {
                throw new UsageException("--max-partition-size must be >= 1 but was " + common.maxPartitionSize);
            }
            StorageOptions storage = common.storage();
            JobConfig cfg = new JobConfig("pca", null, common.outputOrDefault("pca"), null,
                    Storages.normalize(features), null, pca.options(), OutputFormat.parse(common.format), null,
                    storage, common.maxPartitionSize, common.overwrite, common.master);
            return execute(cfg, common, report, true, true);
        }
    }

    @Command(name = "inspect-model", mixinStandardHelpOptions = true,
            description = "Print a SavedModel's signatures, inputs, outputs and shapes, and how Orchard will use it.")
    static final class InspectModel implements Callable<Integer> {
        @Option(names = "--model", paramLabel = "DIR", description = "SavedModel directory (default: the sample model).")
        String model;

        @Override
        public Integer call() {
            Path dir = Paths.get(model != null ? Storages.localPath(model).toString() : Samples.model());
            System.out.println(ModelInspector.describe(dir));
            return 0;
        }
    }

    @Command(name = "make-model", mixinStandardHelpOptions = true,
            description = "Build and export a SavedModel of a known architecture with seeded (not pretrained) weights.")
    static final class MakeModel implements Callable<Integer> {
        @Option(names = "--arch", required = true, paramLabel = "mobilenet_v2|vgg16|sample_cnn",
                description = "Architecture: mobilenet_v2 (1280 features, 9 MB), vgg16 (fc2, 4096 features, "
                        + "537 MB at 224 px) or sample_cnn (128 features). Weights are seeded, not trained.")
        String arch;
        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Directory to create.")
        String output;
        @Option(names = "--seed", defaultValue = "42", description = "Weight seed (default: ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--image-size", paramLabel = "N",
                description = "Square input size in pixels (default: 224 for mobilenet_v2 and vgg16, 100 for "
                        + "sample_cnn; mobilenet_v2 >= 32, vgg16 in [32, 320], sample_cnn >= 8).")
        Integer imageSize;

        @Override
        public Integer call() throws IOException {
            Path dir = Storages.localPath(output);
            try {
                switch (arch) {
                    case MobileNetV2.ARCH -> MobileNetV2.export(dir, seed,
                            imageSize != null ? imageSize : MobileNetV2.DEFAULT_IMAGE_SIZE);
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
    }
}
