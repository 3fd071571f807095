package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Progress in both modes, on a fake clock and a fake status tracker. */
class ProgressTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong images = new AtomicLong();
    private final AtomicReference<List<Progress.StageStatus>> stages = new AtomicReference<>(List.of());

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void advance(double seconds) {
        now.addAndGet((long) (seconds * 1e9));
    }

    private Progress progress(boolean terminal) {
        Progress p = new Progress(out, terminal, now::get, TimeUnit.SECONDS.toNanos(10));
        p.start(stages::get, false);
        return p;
    }

    @Test
    void terminalRewritesOneLineWithRateEtaAndSparkTasks() {
        Progress p = progress(true);
        p.stage("featurize", "100 images");
        p.track("featurize", 100, images::get);
        advance(5);
        images.set(25);
        stages.set(List.of(new Progress.StageStatus(3, "runJob", 10, 2, 2, 0)));
        p.tick();
        String first = text().substring(text().indexOf('\r'));
        assertTrue(first.startsWith("\r[    5.0s] featurize 25/100 images  5.0 images/s  ETA 15s"), first);
        assertTrue(first.contains("(Spark stage 3: 2/10 tasks, 2 running)"), first);
        assertFalse(first.contains("\n"), "the updating line is not terminated: " + first);

        advance(5);
        images.set(100);
        stages.set(List.of());
        p.tick();
        String second = text().substring(text().lastIndexOf('\r'));
        assertTrue(second.startsWith("\r[   10.0s] featurize 100/100 images  10.0 images/s"), second);
        assertFalse(second.contains("ETA"), second);
        assertTrue(second.endsWith(" "), "padded over the longer previous line: '" + second + "'");

        p.finish();
        p.info("done");
        String all = text();
        assertTrue(all.endsWith("\n[   10.0s]           done\n"), all);
        assertEquals(3, all.chars().filter(c -> c == '\n').count(), "stage, final, info lines: " + all);
        p.close();
    }

    @Test
    void plainModePrintsWholeLinesAtMostEveryInterval() {
        Progress p = progress(false);
        p.track("featurize", 1000, images::get);
        for (int s = 1; s <= 25; s++) {
            advance(1);
            images.addAndGet(8);
            p.tick();
        }
        String all = text();
        assertFalse(all.contains("\r"), "no carriage returns in logs");
        List<String> lines = all.lines().toList();
        assertEquals(2, lines.size(), all);
        assertTrue(lines.get(0).startsWith("[   10.0s] featurize 80/1,000 images  8.0 images/s  ETA 1m55s"), lines.get(0));
        assertTrue(lines.get(1).startsWith("[   20.0s] featurize 160/1,000 images"), lines.get(1));
        p.finish();
        assertEquals(3, text().lines().count());
        p.tick(); // nothing tracked: silent
        assertEquals(3, text().lines().count());
        p.close();
    }

    @Test
    void unknownRateGivesUnknownEta() {
        Progress p = progress(true);
        p.track("featurize", 10, images::get);
        p.tick();
        assertTrue(text().contains("0/10 images  0.0 images/s  ETA ?"), text());
        p.close();
        assertTrue(text().endsWith("\r"), "close erases the updating line");
    }

    @Test
    void durations() {
        assertEquals("45s", Progress.duration(45));
        assertEquals("12m03s", Progress.duration(723));
        assertEquals("3h07m", Progress.duration(3 * 3600 + 7 * 60 + 5));
    }
}
