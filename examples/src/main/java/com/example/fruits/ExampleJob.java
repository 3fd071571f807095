package com.example.fruits;

import dev.orchard.Featurization;
import dev.orchard.Images;
import dev.orchard.Model;
import dev.orchard.Orchard;
import dev.orchard.Output;
import dev.orchard.PcaModel;
import dev.orchard.PcaOptions;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Featurizes the images under a folder (or S3 prefix) with a SavedModel, fits a 10-component PCA, and writes a
 * committed output in Orchard's layout: features/, errors/, pca/, pca-model.json and _SUCCESS, written last.
 *
 * <pre>
 * spark-submit --class com.example.fruits.ExampleJob orchard-example.jar \
 *     s3://my-bucket/fruits-360/Training s3://my-bucket/models/mobilenet_v2 s3://my-bucket/features/run-1
 * </pre>
 */
public final class ExampleJob {

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: ExampleJob <input-dir-or-uri> <model-dir-or-uri> <output-dir-or-uri>");
            System.exit(2);
        }
        // TensorFlow's environment (oneDNN) for the executors; local[*] when not run by spark-submit.
        SparkConf conf = Orchard.configure(new SparkConf()
                .setAppName("orchard-example")
                .setIfMissing("spark.master", "local[*]"));
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            Orchard orchard = Orchard.builder(sc).build();
            Images images = orchard.list(args[0]);
            Model model = orchard.model(args[1]);
            try (Featurization f = orchard.featurize(images, model);
                 Output out = orchard.output(args[2]).open()) {
                out.write(f);                                   // features/ + errors/: listed == featurized + failed
                PcaModel pca = orchard.fitPca(f.features(), PcaOptions.fixedK(10));
                out.write(pca, pca.transform(f.features()));    // pca/ + pca-model.json
                out.commit();                                   // _SUCCESS, last
                System.out.printf("listed %d, featurized %d, failed %d: %s%n",
                        f.listed(), f.featurized(), f.failed(), out.uri());
            }
        }
    }
}
