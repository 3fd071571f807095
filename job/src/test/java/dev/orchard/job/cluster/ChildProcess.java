package dev.orchard.job.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM (or any command) this test started, with stdout and stderr in one log file. {@link #close()}
 * stops it <b>and every process it started</b> (executors, drivers, YARN containers), by handle:
 * it takes the list of descendants first (once the parent is gone they are re-parented and no
 * longer its descendants), asks the parent to stop (SIGTERM, so Spark's Worker runs its hooks that
 * kill its drivers and executors), waits, then kills whatever of them is still alive. Safe to call twice.
 */
final class ChildProcess implements AutoCloseable {

    private static final long GRACE_SECONDS = 10;

    private final String name;
    private final Process process;
    private final Path log;
    private boolean closed;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code dir} with {@code env} over this JVM's environment (a null value removes the variable). */
    static ChildProcess start(String name, List<String> command, Map<String, String> env, Path dir, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        try {
            return new ChildProcess(name, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
    }

    /** Runs a command to its end (at most {@code timeoutSeconds}) and returns its exit status; the process is stopped on timeout. */
    static int run(String name, List<String> command, Map<String, String> env, Path dir, Path log, long timeoutSeconds) {
        try (ChildProcess p = start(name, command, env, dir, log)) {
            if (!p.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " did not end within " + timeoutSeconds + " s; its log:\n" + p.logTail(60));
            }
            return p.process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while running " + name, e);
        }
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    String log(int lastLines) {
        return logTail(lastLines);
    }

    String logTail(int lastLines) {
        return tail(log, lastLines);
    }

    static String tail(Path file, int lastLines) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - lastLines), lines.size()));
        } catch (IOException e) {
            return "(no log at " + file + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroyForcibly();
            }
        }
        for (ProcessHandle d : descendants) {
            try {
                d.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: it was sent SIGKILL
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
