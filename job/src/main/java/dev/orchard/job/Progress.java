package dev.orchard.job;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaSparkStatusTracker;

/**
 * What the driver tells a person while a run works, on standard error: one line per pipeline stage,
 * and while a long stage runs, its progress — images done / total, images/s, ETA, and the Spark
 * stage's tasks — read from Spark's {@link JavaSparkStatusTracker} and the run's own counters.
 *
 * <p>On a terminal ({@code System.console() != null}) the progress is one line rewritten in place
 * ({@code \r}) a few times a second. Otherwise (logs under spark-submit, CI) it is a plain line every
 * {@link #PLAIN_INTERVAL_SECONDS} seconds, so logs stay short. Thread-safe: a daemon thread
 * {@linkplain #start starts} polling; {@link #close()} stops it.
 */
class Progress implements AutoCloseable {

    /** One active Spark stage, as the status tracker reports it. */
    record StageStatus(int id, String name, int tasks, int completed, int active, int failed) {}

    /** Where stage status comes from: Spark's status tracker, or a fake in tests. */
    interface StatusSource {
        List<StageStatus> activeStages();
    }

    /** Seconds between plain progress lines when standard error is not a terminal. */
    static final long PLAIN_INTERVAL_SECONDS = 30;
    /** Milliseconds between refreshes of the updating line on a terminal. */
    static final long TERMINAL_REFRESH_MILLIS = 500;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final long plainIntervalNanos;
    private final long t0;
    private StatusSource status = List::of;
    private ScheduledExecutorService ticker;

    // The stage being tracked, if any.
    private String trackedStage;
    private long total;
    private LongSupplier done;
    private long trackStart;
    private long lastPlain;
    private int shownLength; // characters of the updating line now on screen (terminal only)

    /** Progress on {@code out}; a terminal when the JVM has a console. */
    Progress(PrintStream out) {
        this(out, System.console() != null, System::nanoTime, TimeUnit.SECONDS.toNanos(PLAIN_INTERVAL_SECONDS));
    }

    /**
     * @param terminal           rewrite one line in place rather than print plain lines
     * @param clock              nanosecond clock ({@link System#nanoTime} outside tests)
     * @param plainIntervalNanos least time between two plain progress lines
     */
    Progress(PrintStream out, boolean terminal, LongSupplier clock, long plainIntervalNanos) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
        this.plainIntervalNanos = plainIntervalNanos;
        this.t0 = clock.getAsLong();
    }

    /** Reads stages from {@code sc}'s status tracker and starts refreshing in the background. */
    synchronized void start(JavaSparkContext sc) {
        JavaSparkStatusTracker tracker = sc.statusTracker();
        start(() -> {
            List<StageStatus> stages = new ArrayList<>();
            for (int id : tracker.getActiveStageIds()) {
                SparkStageInfo s = tracker.getStageInfo(id);
                if (s != null) {
                    stages.add(new StageStatus(s.stageId(), s.name(), s.numTasks(), s.numCompletedTasks(),
                            s.numActiveTasks(), s.numFailedTasks()));
                }
            }
            return stages;
        }, true);
    }

    /** Uses {@code source} for stage status; with {@code background}, a daemon thread calls {@link #tick()}. */
    synchronized void start(StatusSource source, boolean background) {
        this.status = source;
        if (background && ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "orchard-progress");
                t.setDaemon(true);
                return t;
            });
            long period = terminal ? TERMINAL_REFRESH_MILLIS : 1000;
            ticker.scheduleAtFixedRate(this::tickQuietly, period, period, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void stage(String name, String detail) {
        println(String.format(Locale.ROOT, "[%7.1fs] %-9s %s", elapsed(), name, detail == null ? "" : detail));
    }

    synchronized void info(String message) {
        println(String.format(Locale.ROOT, "[%7.1fs]           %s", elapsed(), message));
    }

    /**
     * Starts tracking a stage of {@code total} images; {@code imagesDone} counts those finished so
     * far (e.g. a Spark accumulator, updated as tasks end).
     */
    synchronized void track(String stage, long total, LongSupplier imagesDone) {
        this.trackedStage = stage;
        this.total = total;
        this.done = imagesDone;
        this.trackStart = clock.getAsLong();
        this.lastPlain = trackStart;
    }

    /** Ends tracking with one final line (images done, rate), on a line of its own. */
    synchronized void finish() {
        if (trackedStage == null) {
            return;
        }
        String line = progressLine(List.of());
        trackedStage = null;
        println(line);
    }

    /** Refreshes the progress display once (the background thread calls this). */
    synchronized void tick() {
        if (trackedStage == null) {
            return;
        }
        long now = clock.getAsLong();
        String line = progressLine(status.activeStages());
        if (terminal) {
            String padded = line.length() < shownLength ? line + " ".repeat(shownLength - line.length()) : line;
            out.print("\r" + padded);
            out.flush();
            shownLength = line.length();
        } else if (now - lastPlain >= plainIntervalNanos) {
            lastPlain = now;
            out.println(line);
            out.flush();
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        clearLine();
    }

    /** {@code [  12.3s] featurize 120/384 images  14.2 images/s  ETA 19s  (Spark stage 3: 4/12 tasks, 2 running)}. */
    private String progressLine(List<StageStatus> stages) {
        long now = clock.getAsLong();
        long d = Math.max(0, done.getAsLong());
        double seconds = (now - trackStart) / 1e9;
        double rate = seconds > 0 ? d / seconds : 0;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%7.1fs] %-9s %,d/%,d images  %.1f images/s",
                elapsed(), trackedStage, d, total, rate));
        if (d < total) {
            sb.append("  ETA ").append(rate > 0 ? duration((total - d) / rate) : "?");
        }
        for (StageStatus s : stages) {
            sb.append(String.format(Locale.ROOT, "  (Spark stage %d: %d/%d tasks, %d running%s)", s.id(), s.completed(),
                    s.tasks(), s.active(), s.failed() > 0 ? ", " + s.failed() + " failed" : ""));
        }
        return sb.toString();
    }

    /** {@code 45s}, {@code 12m03s}, {@code 3h07m}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private void println(String line) {
        clearLine();
        out.println(line);
        out.flush();
    }

    /** On a terminal, erases the updating line so the next text starts on a clean line. */
    private void clearLine() {
        if (terminal && shownLength > 0) {
            out.print("\r" + " ".repeat(shownLength) + "\r");
            shownLength = 0;
        }
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // The status tracker can fail while the context stops; progress is best effort.
        }
    }

    private double elapsed() {
        return (clock.getAsLong() - t0) / 1e9;
    }
}
