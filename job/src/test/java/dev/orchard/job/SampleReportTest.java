package dev.orchard.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of the sample run (384 images, 12 classes): its JSON, and its HTML opened in a real
 * headless Chromium, which must draw every chart with no console error.
 *
 * <p>Chromium is Debian's {@code chromium} package ({@code .ci/run} installs it). Without it the
 * browser test fails on CI ({@code CI} set) and is skipped elsewhere. With
 * {@code -Dorchard.screenshot=PATH} the screenshot is also copied to PATH (how
 * {@code docs/report-screenshot.png} was made).
 */
class SampleReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The charts the sample run draws: timings, images per class, variance, scatter, probe (no failures). */
    private static final List<String> CHARTS = List.of("chart-timings", "chart-classes", "chart-variance",
            "chart-scatter", "chart-probe");

    @TempDir
    static Path tmp;
    static Path out;
    static JsonNode report;
    static final List<String> notifications = new ArrayList<>();

    @BeforeAll
    static void runTheSample() throws IOException {
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/", ex -> {
            notifications.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        try {
            out = tmp.resolve("sample");
            int code = Main.execute("run", "--output", out.toString(), "--master", "local[2]",
                    "--notify-webhook", "http://127.0.0.1:" + hook.getAddress().getPort() + "/done");
            assertEquals(0, code);
        } finally {
            hook.stop(0);
        }
        report = JSON.readTree(out.resolve("report.json").toFile());
    }

    @Test
    void probeIsWellAboveChanceOnRawAndPcaFeatures() {
        double chance = 1.0 / 12;
        for (String name : List.of("raw", "pca")) {
            JsonNode p = report.path("probe").path(name);
            assertEquals(96, p.path("test").asLong(), name + ": a quarter of every class held out");
            assertEquals(288, p.path("train").asLong(), name);
            assertEquals(chance, p.path("chance").asDouble(), 1e-3, name);
            assertTrue(p.path("accuracy").asDouble() > 3 * chance, name + " accuracy " + p.path("accuracy"));
            assertEquals(12, p.path("perClass").size(), name);
        }
        assertEquals(128, report.path("probe").path("raw").path("dimension").asInt());
        assertEquals(report.path("pca").path("k").asInt(), report.path("probe").path("pca").path("dimension").asInt());
    }

    @Test
    void reportHoldsCurvesScatterCostAndEventLog() throws IOException {
        JsonNode pca = report.path("pca");
        int k = pca.path("k").asInt();
        JsonNode spectrum = pca.path("spectrum");
        assertEquals(k, spectrum.path("k").asInt());
        assertTrue(spectrum.path("explainedVarianceRatio").size() > k, "the curve goes beyond the kept components");
        JsonNode cumulative = spectrum.path("cumulativeExplainedVariance");
        assertEquals(pca.path("cumulativeExplainedVariance").get(k - 1).asDouble(), cumulative.get(k - 1).asDouble(), 1e-9);

        JsonNode scatter = report.path("pcaScatter");
        assertEquals(384, scatter.path("points").size());
        assertEquals(12, scatter.path("labels").size());
        Set<Integer> classes = new HashSet<>();
        scatter.path("points").forEach(p -> classes.add(p.get(2).asInt()));
        assertEquals(12, classes.size());

        assertEquals(12, report.path("imagesPerClass").size());
        report.path("imagesPerClass").forEach(n -> assertEquals(32, n.asLong()));

        JsonNode cost = report.path("cost");
        assertEquals("m5.xlarge", cost.path("instanceType").asText());
        assertEquals(3, cost.path("scales").size());
        double h1 = cost.path("scales").get(0).path("hours").asDouble();
        double h100 = cost.path("scales").get(2).path("hours").asDouble();
        assertTrue(h1 > 0 && h100 > 50 * h1, "hours grow with images: " + h1 + ", " + h100);
        assertTrue(cost.path("costPerMillionImages").asDouble() > 0);

        String log = report.path("eventLog").asText();
        assertTrue(log.startsWith("spark-events/"), log);
        List<String> events = Files.readAllLines(out.resolve(log));
        assertTrue(events.get(0).contains("SparkListenerLogStart"), events.get(0));
        assertTrue(events.stream().anyMatch(l -> l.contains("\"Event\":\"SparkListenerJobEnd\"")), "jobs are in the log");
        JsonNode manifest = JSON.readTree(out.resolve("_SUCCESS").toFile());
        Set<String> listed = new HashSet<>();
        manifest.path("files").forEach(f -> listed.add(f.path("path").asText()));
        assertTrue(listed.contains(log) && listed.contains("report.html"), listed.toString());

        assertEquals(1, notifications.size());
        assertTrue(notifications.get(0).contains("\"featurized\" : 384"), notifications.get(0));
    }

    @Test
    void reportHtmlIsSelfContained() throws IOException {
        String html = Files.readString(out.resolve("report.html"));
        Matcher src = Pattern.compile("<(script|link|img)[^>]*(src|href)=", Pattern.CASE_INSENSITIVE).matcher(html);
        assertFalse(src.find(), "no external resource: " + (src.find(0) ? html.substring(src.start(), src.end() + 40) : ""));
        assertTrue(html.contains("Chart.js v" + ReportHtml.chartJsVersion()), "Chart.js inlined");
    }

    @Test
    void chromiumRendersEveryChartWithoutConsoleErrors() throws Exception {
        String chromium = chromium();
        if (chromium == null) {
            String why = "no chromium on PATH (apt-get install chromium)";
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI must run the browser test, but there is " + why);
            }
            Assumptions.abort(why);
        }
        Path html = out.resolve("report.html");
        Browser dom = browse(chromium, "--dump-dom", html);
        assertEquals(0, dom.code, dom.stderr);
        Matcher status = Pattern.compile("<div id=\"render-status\" data-charts=\"(\\d+)\" data-errors=\"(\\d+)\" "
                + "data-done=\"true\">").matcher(dom.stdout);
        assertTrue(status.find(), "the page script ran to its end: " + tail(dom.stdout));
        assertEquals(CHARTS.size(), Integer.parseInt(status.group(1)), "charts drawn");
        assertEquals("0", status.group(2), "errors seen by the page");
        for (String id : CHARTS) {
            Matcher canvas = Pattern.compile("<canvas id=\"" + id + "\"[^>]*width=\"(\\d+)\" height=\"(\\d+)\"")
                    .matcher(dom.stdout);
            assertTrue(canvas.find(), id + " has no drawn canvas");
            assertTrue(Integer.parseInt(canvas.group(1)) > 100 && Integer.parseInt(canvas.group(2)) > 100, id);
        }
        List<String> console = dom.stderr.lines()
                .filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught"))
                .toList();
        assertTrue(console.isEmpty(), "console output of the page: " + console);

        Path png = tmp.resolve("report.png");
        Browser shot = browse(chromium, "--screenshot=" + png, html);
        assertEquals(0, shot.code, shot.stderr);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "a PNG");
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 50, "the screenshot shows more than a blank page: " + colours.size() + " colours");
        String copy = System.getProperty("orchard.screenshot");
        if (copy != null && !copy.isBlank()) {
            Files.copy(png, Path.of(copy), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private record Browser(int code, String stdout, String stderr) {}

    private static Browser browse(String chromium, String mode, Path html) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(tmp, "chromium-profile");
        List<String> cmd = List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--hide-scrollbars", "--user-data-dir=" + profile, "--enable-logging=stderr",
                "--v=0", "--window-size=1280,2600", "--virtual-time-budget=5000", mode, html.toUri().toString());
        Path stdout = tmp.resolve("chromium.out");
        Path stderr = tmp.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + Files.readString(stderr));
        }
        return new Browser(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    private static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                File f = new File(dir, name);
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    private static String tail(String s) {
        return s.length() < 2000 ? s : s.substring(s.length() - 2000);
    }
}
