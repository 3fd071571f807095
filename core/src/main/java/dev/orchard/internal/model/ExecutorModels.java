package dev.orchard.internal.model;

import dev.orchard.Precision;
import dev.orchard.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;

/**
 * One loaded model per executor JVM: the first task that asks unpacks the broadcast
 * {@link ModelPackage} to a local temporary folder and loads one {@link LoadedModel}; every later
 * call, from any task or thread of that JVM, gets the same instance (keyed by Spark application id,
 * broadcast id and {@link Precision}: a bf16 and an fp32 session of one model are two instances; broadcast ids restart at 0 in every new {@code SparkContext}, so a JVM that runs
 * several contexts one after the other, e.g. a local-mode driver running two commands, must not hand
 * one context's model to the next). The
 * instances are closed by a shutdown hook at JVM exit, so tasks never close what {@link #get}
 * returns.
 *
 * <pre>{@code
 * Broadcast<ModelPackage> model = sc.broadcast(ModelPackage.fromDirectory(dir, ModelOverrides.none()));
 * rdd.mapPartitions(it -> { LoadedModel m = ExecutorModels.get(model); ... m.run(batch, n) ... });
 * }</pre>
 *
 * <p>TensorFlow's native logging is chosen by the environment variable
 * {@code TF_CPP_MIN_LOG_LEVEL} (2 hides its info and warning lines), read by the native library
 * when it loads; Java cannot set a process's environment after start, so set it where the JVM is
 * launched ({@code spark.executorEnv.TF_CPP_MIN_LOG_LEVEL=2}, and in the shell for the driver;
 * Orchard's surefire configuration sets it for tests).
 *
 * <p>Thread-safe.
 */
public final class ExecutorModels {

    private static final Map<String, LoadedModel> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "orchard-model-close"));
    }

    private ExecutorModels() {}

    /**
     * The model of this broadcast in this JVM, loaded on first use with a session using every core
     * ({@link LoadedModel#defaultIntraOpThreads()}). Do not close it.
     *
     * @throws ModelException if it cannot be unpacked or loaded (later calls try again)
     */
    public static LoadedModel get(Broadcast<ModelPackage> broadcast) {
        return get(broadcast, LoadedModel.defaultIntraOpThreads());
    }

    /**
     * As {@link #get(Broadcast)}, with the session's intra-op threads given (e.g. the executor's
     * {@code spark.executor.cores}); only the first, loading call's value counts.
     */
    public static LoadedModel get(Broadcast<ModelPackage> broadcast, int intraOpThreads) {
        return get(broadcast, intraOpThreads, Precision.FP32);
    }

    /**
     * As {@link #get(Broadcast, int)}, with the session's {@link Precision}: one instance per
     * broadcast and precision in this JVM.
     */
    public static LoadedModel get(Broadcast<ModelPackage> broadcast, int intraOpThreads, Precision precision) {
        return get(broadcast, 1, intraOpThreads, precision);
    }

    /**
     * As {@link #get(Broadcast, int, Precision)}, loaded as {@code streams} sessions of {@code intraOpThreads}
     * threads each ({@link LoadedModel#streams()}); only the first, loading call's values count.
     */
    public static LoadedModel get(Broadcast<ModelPackage> broadcast, int streams, int intraOpThreads,
                                  Precision precision) {
        Objects.requireNonNull(broadcast, "broadcast");
        Objects.requireNonNull(precision, "precision");
        String id = key(broadcast, precision);
        LoadedModel m = MODELS.get(id);
        if (m != null) {
            return m;
        }
        synchronized (ExecutorModels.class) {
            m = MODELS.get(id);
            if (m == null) {
                m = load(broadcast.value(), streams, intraOpThreads, precision);
                MODELS.put(id, m);
            }
            return m;
        }
    }

    /**
     * Loads a model for single-process use (no Spark), with every core. The caller closes it.
     *
     * @throws ModelException if it cannot be unpacked or loaded
     */
    public static LoadedModel load(ModelPackage pkg) {
        return load(pkg, LoadedModel.defaultIntraOpThreads());
    }

    /**
     * Loads a model with the given intra-op threads. The caller closes it. The temporary folder it
     * is unpacked to is deleted as soon as TensorFlow has read it (the graph and weights then live
     * in memory), so nothing is left on disk even if the JVM is killed.
     */
    public static LoadedModel load(ModelPackage pkg, int intraOpThreads) {
        return load(pkg, intraOpThreads, Precision.FP32);
    }

    /**
     * As {@link #load(ModelPackage, int)}, with the session's {@link Precision}. The caller closes it.
     *
     * @throws ModelException if it cannot be unpacked or loaded
     */
    public static LoadedModel load(ModelPackage pkg, int intraOpThreads, Precision precision) {
        return load(pkg, 1, intraOpThreads, precision);
    }

    /**
     * As {@link #load(ModelPackage, int, Precision)}, as {@code streams} sessions. The caller closes it.
     *
     * @throws ModelException if it cannot be unpacked or loaded
     */
    public static LoadedModel load(ModelPackage pkg, int streams, int intraOpThreads, Precision precision) {
        Objects.requireNonNull(pkg, "pkg");
        Objects.requireNonNull(precision, "precision");
        Path dir;
        try {
            dir = Files.createTempDirectory("orchard-model-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder for model " + pkg.source(), e);
        }
        try {
            pkg.unpackTo(dir);
            LoadedModel m = LoadedModel.load(dir, pkg.spec(), streams, intraOpThreads, precision);
            LOADS.incrementAndGet();
            return m;
        } finally {
            ModelPackage.deleteRecursively(dir);
        }
    }

    /** How many models this JVM has loaded so far (through {@link #get} or {@link #load}). */
    public static int loadCount() {
        return LOADS.get();
    }

    /**
     * Closes and forgets this JVM's models of a broadcast (every precision), if loaded (e.g. on the
     * driver in local mode, after the job, before {@code broadcast.destroy()}). Tasks still using
     * them then fail.
     */
    public static void evict(Broadcast<ModelPackage> broadcast) {
        for (Precision p : Precision.values()) {
            LoadedModel m = MODELS.remove(key(broadcast, p));
            if (m != null) {
                m.close();
            }
        }
    }

    /**
     * The application this JVM's Spark runs, the broadcast id and the precision: unique across
     * successive contexts and per session configuration.
     */
    private static String key(Broadcast<ModelPackage> broadcast, Precision precision) {
        SparkEnv env = SparkEnv.get();
        String app = env == null ? "" : env.conf().get("spark.app.id", "");
        return app + "/" + broadcast.id() + "/" + precision.id();
    }

    private static void closeAll() {
        for (String id : MODELS.keySet()) {
            LoadedModel m = MODELS.remove(id);
            if (m != null) {
                m.close();
            }
        }
    }
}
