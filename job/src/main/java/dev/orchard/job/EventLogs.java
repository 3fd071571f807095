package dev.orchard.job;

import dev.orchard.internal.storage.Storage;
import dev.orchard.StorageException;
import dev.orchard.StorageOptions;
import dev.orchard.internal.storage.Storages;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark event log of a run, so that the Spark History Server can replay it later
 * ({@code spark.history.fs.logDirectory=<output>/spark-events}).
 *
 * <p>Unless spark-submit already configured one, {@link #configure} turns event logging on into a
 * local temporary folder. {@link #copyToOutput} copies the run's log into
 * {@code <output>/spark-events/<application id>} just before the output is committed, so the log
 * holds every job of the run; only the application-end event, which Spark writes when the context
 * stops after the commit, is missing (the History Server then takes the last event's time as the end).
 */
final class EventLogs {

    /** Folder of the output that holds the event log. */
    static final String FOLDER = "spark-events";
    /** Longest wait for Spark's listener bus to write the last events. */
    static final long DRAIN_MILLIS = 10_000;

    private EventLogs() {}

    /** Turns event logging on into a temporary folder, unless the configuration already has it on. */
    static void configure(SparkConf conf) {
        if (conf.getBoolean("spark.eventLog.enabled", false)) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("orchard-spark-events");
            dir.toFile().deleteOnExit();
            conf.set("spark.eventLog.enabled", "true");
            conf.set("spark.eventLog.dir", dir.toUri().toString());
        } catch (IOException e) {
            // No event log is better than no run.
            System.err.println("orchard: Spark event log disabled: cannot create a temporary folder: " + e.getMessage());
        }
    }

    /**
     * Copies this application's event log into {@code <output>/spark-events/}.
     *
     * @return the copy's path relative to the output root, or null when event logging is off or the log
     *         cannot be found (a warning is printed; the run goes on)
     */
    static String copyToOutput(JavaSparkContext sc, String output, StorageOptions options) {
        SparkConf conf = sc.getConf();
        if (!conf.getBoolean("spark.eventLog.enabled", false) || sc.sc().eventLogDir().isEmpty()) {
            return null;
        }
        try {
            sc.sc().listenerBus().waitUntilEmpty(DRAIN_MILLIS);
        } catch (TimeoutException e) {
            System.err.println("orchard: the Spark event log may miss the last events (listener bus busy)");
        }
        URI dir = sc.sc().eventLogDir().get();
        String appId = sc.sc().applicationId();
        Path tmp = null;
        try {
            FileSystem fs = FileSystem.get(dir, sc.hadoopConfiguration());
            FileStatus log = null;
            for (FileStatus s : fs.listStatus(new org.apache.hadoop.fs.Path(dir))) {
                if (s.isFile() && s.getPath().getName().startsWith(appId)) {
                    log = s;
                }
            }
            if (log == null) {
                System.err.println("orchard: no Spark event log for " + appId + " under " + dir);
                return null;
            }
            String name = log.getPath().getName().replace(".inprogress", "");
            tmp = Files.createTempFile("orchard-event-log", ".json");
            fs.copyToLocalFile(false, log.getPath(), new org.apache.hadoop.fs.Path(tmp.toUri()), true);
            String relative = FOLDER + "/" + name;
            String root = Storages.normalize(output);
            Storages.forUri(root, options).upload(tmp, Storage.join(root, relative));
            return relative;
        } catch (IOException | StorageException e) {
            System.err.println("orchard: Spark event log not copied to the output: " + e.getMessage());
            return null;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
