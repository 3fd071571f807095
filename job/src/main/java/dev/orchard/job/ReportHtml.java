package dev.orchard.job;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.orchard.internal.report.RunReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * {@code report.html}: the run report for people, one self-contained file that opens offline (from
 * disk or S3): the report's JSON, the page script and Chart.js are all inlined; nothing is fetched.
 *
 * <p>Chart.js comes from its WebJar ({@code org.webjars.npm:chart.js}) on the class path, so its
 * version is the one the build resolved.
 */
final class ReportHtml {

    private static final String PACKAGE = "/dev/orchard/job/";
    private static final String CHART_JS_POM = "/META-INF/maven/org.webjars.npm/chart.js/pom.properties";

    private ReportHtml() {}

    /** The page for {@code report}. */
    static String render(RunReport report) {
        String template = resource(PACKAGE + "report-template.html");
        // Inside <script>, "</" could end the element early: JSON and JS both accept "<\/".
        String json = report.toJson().replace("</", "<\\/");
        String script = resource(PACKAGE + "report.js");
        String chartJs = chartJs().replace("</script", "<\\/script");
        return template
                .replace("/*CHART_JS*/", chartJs)
                .replace("/*REPORT_JSON*/", json)
                .replace("/*REPORT_JS*/", script);
    }

    /** Chart.js's minified UMD bundle from the WebJar. */
    static String chartJs() {
        return resource("/META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.min.js");
    }

    static String chartJsVersion() {
        try (InputStream in = ReportHtml.class.getResourceAsStream(CHART_JS_POM)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js WebJar is not on the class path (" + CHART_JS_POM + ")");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String path) {
        try (InputStream in = ReportHtml.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + path);
            }
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
