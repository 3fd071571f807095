package dev.orchard.bench.model;

import com.sun.management.OperatingSystemMXBean;
import dev.orchard.internal.model.ExecutorModels;
import dev.orchard.internal.model.LoadedModel;
import dev.orchard.internal.model.ModelOverrides;
import dev.orchard.internal.model.ModelPackage;
import dev.orchard.internal.model.arch.MobileNetV2;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;

/**
 * Is TensorFlow's intra-op pool per session or per process? Optionally creates and runs a first session with
 * {@code FIRST} intra-op threads, then loads MobileNetV2-224 with {@code LoadedModel} (intra-op = cores) and
 * times batches of 32 for {@code SECONDS}. Run it once with {@code FIRST = 0} and once with 1, with and without
 * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} in the environment (each run is its own JVM: the pool is made once).
 *
 * <pre>
 * for first in 0 1; do for o in 0 1; do TF_OVERRIDE_GLOBAL_THREADPOOL=$o TF_ENABLE_ONEDNN_OPTS=1 \
 *   TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1 TF_CPP_MIN_LOG_LEVEL=2 java \
 *   -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.model.ThreadPoolProbe $first 10; done; done
 * </pre>
 */
public final class ThreadPoolProbe {

    private ThreadPoolProbe() {}

    public static void main(String[] args) throws Exception {
        int first = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        if (first > 0) {
            try (Graph g = new Graph()) {
                Ops tf = Ops.create(g);
                var one = tf.constant(1f);
                try (Session s = new Session(g, ConfigProto.newBuilder().setIntraOpParallelismThreads(first)
                        .setInterOpParallelismThreads(1).build());
                     Result ignored = s.runner().fetch(one).run()) {
                    // closed right away, as PCA's kernels close theirs: the pool it made stays
                }
            }
        }
        Path dir = Files.createTempDirectory("orchard-pool-probe");
        MobileNetV2.export(dir.resolve("m"), 42, 224);
        ModelPackage pkg = ModelPackage.fromDirectory(dir.resolve("m"), ModelOverrides.none());
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (LoadedModel m = ExecutorModels.load(pkg, LoadedModel.defaultIntraOpThreads())) {
            int n = 32;
            float[] x = new float[n * 224 * 224 * 3];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextFloat() * 2 - 1;
            }
            m.run(x, n);
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            int images = 0;
            while (System.nanoTime() - t0 < seconds * 1e9) {
                m.run(x, n);
                images += n;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "first session intra-op %d, TF_OVERRIDE_GLOBAL_THREADPOOL=%s, model intra-op %d:"
                    + " %.1f images/s, %.2f CPU-ms/image, load %.2f%n", first, System.getenv("TF_OVERRIDE_GLOBAL_THREADPOOL"),
                    LoadedModel.defaultIntraOpThreads(), images / s, (os.getProcessCpuTime() - c0) / 1e6 / images,
                    os.getSystemLoadAverage());
        }
    }
}
