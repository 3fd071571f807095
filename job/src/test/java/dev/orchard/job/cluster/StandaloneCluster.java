package dev.orchard.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * A Spark standalone cluster on 127.0.0.1: one Master and {@code n} Workers, each a child JVM started
 * from a {@link SparkHome} on free ports. {@link #start} returns once the Master's {@code /json}
 * lists every Worker ALIVE. The caller closes it: Workers first (their shutdown hooks kill the
 * drivers and executors they run), then the Master; see {@link ChildProcess#close()}.
 */
final class StandaloneCluster implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final SparkHome spark;
    private final Path dir;
    private final ChildProcess master;
    private final List<ChildProcess> workers = new ArrayList<>();
    private final List<Path> workerDirs = new ArrayList<>();
    private final String masterUrl;
    private final String masterWebUrl;

    private StandaloneCluster(SparkHome spark, Path dir, ChildProcess master, String masterUrl, String masterWebUrl) {
        this.spark = spark;
        this.dir = dir;
        this.master = master;
        this.masterUrl = masterUrl;
        this.masterWebUrl = masterWebUrl;
    }

    /**
     * Starts a Master and {@code workers} Workers with {@code coresPerWorker} cores and {@code memoryPerWorker}
     * (e.g. {@code "3g"}) each; logs and work directories under {@code dir}.
     */
    static StandaloneCluster start(SparkHome spark, Path dir, int workers, int coresPerWorker, String memoryPerWorker) {
        Map<String, String> env = spark.env();
        env.put("SPARK_DAEMON_MEMORY", "512m");
        int port = ItEnv.freePort();
        int webPort = ItEnv.freePort();
        ChildProcess master = spark.start("master", "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", "" + port, "--webui-port", "" + webPort), env, dir);
        StandaloneCluster cluster = new StandaloneCluster(spark, dir, master, "spark://127.0.0.1:" + port,
                "http://127.0.0.1:" + webPort);
        try {
            ItEnv.await("the Master on " + cluster.masterUrl, START_TIMEOUT,
                    () -> master.isAlive() ? ItEnv.getJson(cluster.masterWebUrl + "/json") : fail(master),
                    () -> master.logTail(40));
            for (int i = 1; i <= workers; i++) {
                Path workDir = Files.createDirectories(dir.resolve("worker-" + i));
                cluster.workerDirs.add(workDir);
                cluster.workers.add(spark.start("worker-" + i, "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--webui-port", "" + ItEnv.freePort(),
                                "--cores", "" + coresPerWorker, "--memory", memoryPerWorker,
                                "--work-dir", workDir.toString(), cluster.masterUrl), env, dir));
            }
            ItEnv.await(workers + " ALIVE Workers", START_TIMEOUT, () -> {
                for (ChildProcess w : cluster.workers) {
                    if (!w.isAlive()) {
                        fail(w);
                    }
                }
                JsonNode json = cluster.state();
                long alive = json == null ? 0 : StreamSupport.stream(json.path("workers").spliterator(), false)
                        .filter(w -> "ALIVE".equals(w.path("state").asText())).count();
                return alive == workers ? Boolean.TRUE : null;
            }, cluster::diagnostics);
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static <T> T fail(ChildProcess p) {
        throw new AssertionError(p + " exited; its log:\n" + p.logTail(60));
    }

    /** {@code spark://127.0.0.1:PORT}. */
    String masterUrl() {
        return masterUrl;
    }

    /** The Master's {@code /json}: workers, active and completed apps and drivers; null if it does not answer. */
    JsonNode state() {
        return ItEnv.getJson(masterWebUrl + "/json");
    }

    List<ChildProcess> workers() {
        return workers;
    }

    /** The {@code --work-dir} of Worker {@code i} (0-based): {@code app-*}/{@code <executor id>}/stderr, {@code driver-*}/stderr. */
    Path workerDir(int i) {
        return workerDirs.get(i);
    }

    /**
     * Waits for a driver submitted in cluster mode to end and returns its entry of {@code completeddrivers}
     * ({@code state}: FINISHED, FAILED, ERROR, KILLED): spark-submit itself exits 0 whatever the driver does.
     */
    JsonNode awaitDriver(String driverId, Duration timeout) {
        return ItEnv.await("driver " + driverId + " to complete", timeout, () -> {
            JsonNode json = state();
            if (json == null) {
                return null;
            }
            Optional<JsonNode> done = StreamSupport.stream(json.path("completeddrivers").spliterator(), false)
                    .filter(d -> driverId.equals(d.path("id").asText())).findFirst();
            return done.orElse(null);
        }, () -> diagnostics() + "\n--- driver log:\n" + driverLog(driverId));
    }

    /** The driver's stderr, from whichever Worker ran it. */
    String driverLog(String driverId) {
        for (Path w : workerDirs) {
            Path err = w.resolve(driverId).resolve("stderr");
            if (Files.exists(err)) {
                return ChildProcess.tail(err, 80);
            }
        }
        return "(no driver directory " + driverId + " under " + workerDirs + ")";
    }

    String diagnostics() {
        StringBuilder sb = new StringBuilder("master /json: ").append(state()).append('\n');
        sb.append("--- master log:\n").append(master.logTail(30)).append('\n');
        for (ChildProcess w : workers) {
            sb.append("--- ").append(w).append(":\n").append(w.logTail(30)).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (ChildProcess w : workers) {
            try {
                w.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        master.close();
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "standalone " + masterUrl + " (" + workers.size() + " workers, logs in " + dir + ")";
    }
}
