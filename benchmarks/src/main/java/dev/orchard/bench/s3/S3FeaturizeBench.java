package dev.orchard.bench.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchard.bench.pipeline.BenchSupport;
import dev.orchard.job.Main;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code orchard featurize} with its input on local disk vs on S3 (S3Proxy over HTTP and over
 * HTTPS), side by side in one invocation, interleaved: Orchard's own process CPU per image, with the
 * S3 server's CPU measured apart (it is another process).
 *
 * <p>Each run is a fresh child JVM ({@link FeaturizeOnce}) with the same flags, so every input pays
 * the same JVM, Spark and JIT start-up; with {@code --calls 2} the child featurizes twice and the
 * second (warm) call shows the steady state. With {@code --before-core JAR} the S3 runs are repeated
 * with that {@code orchard-core} jar (e.g. built from main) in place of this build's: before/after
 * in the same invocation. The plain S3 runs use Orchard's defaults (whole-object reads on its lean GET, the rest
 * on the SDK over Apache); with {@code --sdk true} they are repeated with {@code -Dorchard.s3.get=sdk} (every
 * request through the SDK client over Apache: the default before the lean GET), with {@code --crt true} with
 * {@code -Dorchard.s3.get=sdk -Dorchard.s3.http-client=crt} (the SDK client over the AWS CRT).
 *
 * <pre>
 * java $OPENS -cp "benchmarks/target/orchard-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*" \
 *   dev.orchard.bench.s3.S3FeaturizeBench --images 6000 --rounds 2 --calls 2 [--before-core JAR]
 * </pre>
 */
public final class S3FeaturizeBench {

    record Run(String config, int round, int call, long images, double cpuSeconds, double wallSeconds,
               double processCpuSeconds, double serverCpuSeconds, String load) {
        double cpuMsPerImage() {
            return 1000 * cpuSeconds / images;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int want = Integer.parseInt(a.getOrDefault("images", "6000"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        int calls = Integer.parseInt(a.getOrDefault("calls", "2"));
        int size = Integer.parseInt(a.getOrDefault("size", "96"));
        String master = a.getOrDefault("master", "local[2]");
        String childXmx = a.getOrDefault("xmx", "3g");
        String childArgs = a.getOrDefault("child-jvm-args", "");
        String beforeCore = a.get("before-core");
        boolean sdk = Boolean.parseBoolean(a.getOrDefault("sdk", "false"));
        boolean crt = Boolean.parseBoolean(a.getOrDefault("crt", "false"));
        List<String> inputs = List.of(a.getOrDefault("inputs", "local,http,https").split(","));
        Path jar = Paths.get(a.getOrDefault("s3proxy-jar", "core/target/s3proxy/s3proxy.jar"));
        Path training = BenchSupport.sampleRoot(a);
        Path work = Files.createTempDirectory("orchard-s3-bench-");

        System.out.println("# orchard featurize: local folder vs S3Proxy (HTTP, HTTPS), Orchard process CPU");
        System.out.println("cpu: " + BenchSupport.cpuModel() + ", cores " + Runtime.getRuntime().availableProcessors()
                + ", java " + System.getProperty("java.version") + ", load at start " + BenchSupport.loadAverage());
        try (S3ProxyProcess server = S3ProxyProcess.start(jar, inputs.contains("https"))) {
            Path tree = work.resolve("images");
            int n = BenchSupport.replicate(BenchSupport.sampleImages(training), training, tree, want).size();
            Path model = work.resolve("mobilenet_v2-" + size);
            if (Main.execute("make-model", "--arch", "mobilenet_v2", "--image-size", String.valueOf(size),
                    "--output", model.toString()) != 0) {
                throw new IllegalStateException("orchard make-model failed");
            }
            upload(server, tree);
            System.out.println(n + " images under " + tree + " and s3://bench/images; model " + model
                    + "; master " + master + "; " + calls + " call(s) per child JVM");

            List<String> configs = new ArrayList<>();
            for (String in : inputs) {
                configs.add(in);
                if (beforeCore != null && !in.equals("local")) {
                    configs.add(in + "-before");
                }
                if (sdk && !in.equals("local")) {
                    configs.add(in + "-sdk");
                }
                if (crt && !in.equals("local")) {
                    configs.add(in + "-crt");
                }
            }
            List<Run> runs = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < configs.size(); k++) {
                    String config = configs.get((k + round) % configs.size()); // rotate: interleaved
                    runs.addAll(child(config, round, calls, n, server, tree, model, work, master, childXmx,
                            childArgs, beforeCore));
                }
            }
            summary(runs, configs, calls);
            System.out.println("load at end " + BenchSupport.loadAverage());
        } finally {
            BenchSupport.deleteRecursively(work);
        }
    }

    /** Uploads the tree under {@code s3://bench/images/} (8 threads). */
    private static void upload(S3ProxyProcess server, Path tree) throws Exception {
        try (S3Client s3 = S3Client.builder().endpointOverride(URI.create(server.httpEndpoint))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyProcess.IDENTITY, server.secret)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(ApacheHttpClient.builder().maxConnections(8).build()).build();
             Stream<Path> files = Files.walk(tree)) {
            s3.createBucket(b -> b.bucket("bench"));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String key = "images/" + tree.relativize(f).toString().replace(File.separatorChar, '/');
                    fs.add(pool.submit(() -> {
                        s3.putObject(b -> b.bucket("bench").key(key), RequestBody.fromFile(f));
                    }));
                    if (fs.size() == 512) { // bounded: 30k pending uploads' responses outgrew a 2 GB heap
                        for (Future<?> done : fs) {
                            done.get();
                        }
                        fs.clear();
                    }
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    private static List<Run> child(String config, int round, int calls, int n, S3ProxyProcess server, Path tree,
                                   Path model, Path work, String master, String xmx, String childArgs,
                                   String beforeCore) throws Exception {
        String input = config.replace("-before", "").replace("-sdk", "").replace("-crt", "");
        Path out = work.resolve("out-" + config + "-" + round);
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + xmx);
        // the same --add-opens (and other flags) this JVM got, minus heap size and agents
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-Xmx") && !arg.startsWith("-XX:StartFlightRecording") && !arg.startsWith("-agent")) {
                cmd.add(arg);
            }
        }
        if (!childArgs.isBlank()) {
            for (String s : childArgs.trim().split("\\s+")) {
                cmd.add(s.replace("{config}", config + "-" + round));
            }
        }
        List<String> featurize = new ArrayList<>(List.of("featurize", "--output", out.toString(), "--overwrite",
                "--model", model.toString(), "--master", master));
        if (input.equals("local")) {
            featurize.addAll(List.of("--input", tree.toString()));
        } else {
            cmd.add("-Daws.accessKeyId=" + S3ProxyProcess.IDENTITY);
            cmd.add("-Daws.secretAccessKey=" + server.secret);
            if (input.equals("https")) {
                // the benchmark's self-signed certificate, trusted by this child JVM only
                cmd.add("-Djavax.net.ssl.trustStore=" + server.trustStore());
                cmd.add("-Djavax.net.ssl.trustStorePassword=" + S3ProxyProcess.trustStorePassword());
            }
            // plain: Orchard's defaults; "-sdk": every request through the SDK over Apache; "-crt": over the CRT
            if (config.contains("-sdk") || config.contains("-crt")) {
                cmd.add("-Dorchard.s3.get=sdk");
                cmd.add("-Dorchard.s3.http-client=" + (config.contains("-crt") ? "crt" : "apache"));
            }
            featurize.addAll(List.of("--input", "s3://bench/images", "--s3-endpoint",
                    input.equals("https") ? server.httpsEndpoint : server.httpEndpoint));
        }
        cmd.add("-cp");
        cmd.add(classPath(config.endsWith("-before") ? beforeCore : null));
        cmd.add(FeaturizeOnce.class.getName());
        cmd.add(String.valueOf(calls));
        cmd.addAll(featurize);

        String load = BenchSupport.loadAverage();
        long server0 = procCpuTicks(server.pid());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (input.equals("https")) {
            pb.environment().put("SSL_CERT_FILE", server.certificate().toString()); // the same, for the CRT's TLS
        }
        Process p = pb.start();
        List<long[]> callLines = new ArrayList<>();
        long processCpu = -1;
        List<String> tail = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(" ");
                if (line.startsWith("CALL ")) {
                    callLines.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                            Long.parseLong(f[4])});
                } else if (line.startsWith("THREADS ")) {
                    System.out.println("    threads (CPU-ms) call " + f[1] + ": " + (f.length > 2 ? f[2] : ""));
                } else if (line.startsWith("PROCESS ")) {
                    processCpu = Long.parseLong(f[1]);
                } else {
                    tail.add(line);
                    if (tail.size() > 30) {
                        tail.remove(0);
                    }
                }
            }
        }
        int exit = p.waitFor();
        double serverCpu = (procCpuTicks(server.pid()) - server0) / 100.0;
        if (exit != 0 || callLines.size() != calls || callLines.stream().anyMatch(c -> c[3] != 0)) {
            throw new IllegalStateException(config + ": child exited " + exit + "; its output:\n" + String.join("\n", tail));
        }
        List<Run> runs = new ArrayList<>();
        for (long[] c : callLines) {
            int i = (int) c[0];
            checkReport(i == 0 ? out : Paths.get(out + "-" + i), n);
            Run run = new Run(config, round, i, n, c[1] / 1e9, c[2] / 1e9, processCpu / 1e9,
                    i == 0 ? serverCpu : Double.NaN, load);
            runs.add(run);
            System.out.printf(Locale.ROOT, "  round %d %-13s call %d: %d images, %6.1f s, %6.1f images/s, "
                            + "%.2f Orchard CPU-ms/image (whole JVM %.2f), load %s%n", round, config, i, n,
                    run.wallSeconds(), n / run.wallSeconds(), run.cpuMsPerImage(), 1000 * processCpu / 1e9 / n, load);
        }
        if (!input.equals("local")) {
            System.out.printf(Locale.ROOT, "    S3 server CPU over the child's life: %.2f ms/image%n",
                    1000 * serverCpu / (n * (double) calls));
        }
        return runs;
    }

    /** This JVM's class path with {@code orchard-core-*.jar} replaced by {@code core} (if given). */
    private static String classPath(String core) {
        String cp = System.getProperty("java.class.path");
        if (core == null) {
            return cp;
        }
        if (!Files.isRegularFile(Paths.get(core))) {
            throw new IllegalArgumentException("--before-core " + core + " is not a file");
        }
        List<String> out = new ArrayList<>();
        int replaced = 0;
        for (String e : cp.split(File.pathSeparator)) {
            if (Paths.get(e).getFileName().toString().matches("orchard-core-[^/]*SNAPSHOT\\.jar")) {
                out.add(core);
                replaced++;
            } else {
                out.add(e);
            }
        }
        if (replaced != 1) {
            throw new IllegalStateException("expected one orchard-core jar on the class path, found " + replaced);
        }
        return String.join(File.pathSeparator, out);
    }

    private static void checkReport(Path out, int n) throws Exception {
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        long featurized = report.path("counts").path("featurized").asLong(-1);
        if (featurized != n) {
            throw new IllegalStateException("expected " + n + " images featurized, " + out + "/report.json says "
                    + featurized);
        }
    }

    /** utime + stime of a process, in clock ticks (1/100 s), from /proc/PID/stat. */
    static long procCpuTicks(long pid) throws Exception {
        String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static void summary(List<Run> runs, List<String> configs, int calls) {
        System.out.println();
        System.out.println("| input | call | rounds | Orchard CPU-ms/image (mean) | per round | vs local | images/s (mean) |");
        System.out.println("|---|---:|---:|---:|---|---:|---:|");
        for (int call = 0; call < calls; call++) {
            Map<String, double[]> mean = new LinkedHashMap<>();
            for (String c : configs) {
                int cc = call;
                List<Run> rs = runs.stream().filter(r -> r.config().equals(c) && r.call() == cc).toList();
                double cpu = rs.stream().mapToDouble(Run::cpuMsPerImage).average().orElse(Double.NaN);
                double ips = rs.stream().mapToDouble(r -> r.images() / r.wallSeconds()).average().orElse(Double.NaN);
                String per = String.join(" / ", rs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.cpuMsPerImage())).toList());
                mean.put(c, new double[] {cpu, ips, rs.size()});
                double local = mean.containsKey("local") ? mean.get("local")[0] : Double.NaN;
                System.out.printf(Locale.ROOT, "| %s | %s | %d | %.2f | %s | %.3f | %.1f |%n", c,
                        call == 0 ? "cold" : "warm " + call, rs.size(), cpu, per, cpu / local, ips);
            }
        }
    }
}
