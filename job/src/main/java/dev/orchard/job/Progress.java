package dev.orchard.job;

import java.io.PrintStream;

/** What the driver tells a person while a run works: one line per stage, on standard error. */
class Progress {

    private final PrintStream out;
    private final long t0 = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
    }

    void stage(String name, String detail) {
        out.printf("[%7.1fs] %-9s %s%n", elapsed(), name, detail == null ? "" : detail);
        out.flush();
    }

    void info(String message) {
        out.printf("[%7.1fs]           %s%n", elapsed(), message);
        out.flush();
    }

    private double elapsed() {
        return (System.nanoTime() - t0) / 1e9;
    }
}
