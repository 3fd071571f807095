package dev.orchard.bench.pipeline;

import dev.orchard.job.Main;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The fresh JVM of {@code PipelineVsRaw --pipeline process}: {@code orchard featurize} exactly as
 * {@link Main#main} runs it, with this process's CPU split by thread role ({@link ThreadCpu}, sampled from
 * the start of {@code main} to the end of the command), printed as one line starting with {@value #ROLES}
 * ({@code role=CPU-seconds;...}) for the parent to read.
 */
public final class FeaturizeProcess {

    static final String ROLES = "orchard-bench-roles ";

    private FeaturizeProcess() {}

    public static void main(String[] args) {
        ThreadCpu threads = ThreadCpu.start();
        int code = Main.execute(args);
        threads.close();
        System.out.println(encode(threads.byRole()));
        System.exit(code);
    }

    static String encode(Map<String, Double> roles) {
        return ROLES + roles.entrySet().stream()
                .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%.6f", e.getValue()))
                .collect(Collectors.joining(";"));
    }

    /** The roles of an {@link #encode}d line. */
    static Map<String, Double> decode(String line) {
        Map<String, Double> roles = new java.util.LinkedHashMap<>();
        for (String kv : line.substring(ROLES.length()).split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                roles.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
            }
        }
        return roles;
    }
}
