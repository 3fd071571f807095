package dev.orchard.bench.s3;

import dev.orchard.StorageOptions;
import dev.orchard.bench.pipeline.BenchSupport;
import dev.orchard.internal.storage.Storage;
import dev.orchard.internal.storage.Storages;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * CPU of small-object GETs in a fresh JVM (S3Proxy runs as another process), for the S3 client variants
 * Orchard could use. Every (round, variant) is a <b>new child JVM</b>, as on a fresh executor: it builds the
 * client, then measures its first {@code --cold-gets} GETs (cold: interpreted code, C1, the JIT compiling the
 * SDK), then after {@code --warmup} more it measures {@code --gets} GETs (warm). {@code --threads} threads
 * fetch {@code --size}-byte objects. Per measurement: the child's process CPU per GET (all threads: JIT
 * compilers, GC, the CRT's native event loops), bytes allocated per GET (Java threads) and GETs/s. Variants
 * run interleaved (rotated each round), {@code --rounds} times, over {@code --protocols http,https} (HTTPS:
 * a self-signed S3Proxy certificate, trusted by the child through {@code javax.net.ssl.trustStore} for
 * Java's TLS and {@code SSL_CERT_FILE} for the CRT's.
 *
 * <p>Variants: {@code orchard} (Orchard's {@code S3Storage.readAllBytes} as it runs by default: the lean GET),
 * {@code orchard-apache}, {@code orchard-crt} (the same through the SDK client, {@code -Dorchard.s3.get=sdk},
 * with {@code -Dorchard.s3.http-client=apache|crt}), and bare SDK clients
 * {@code apache}, {@code urlconn}, {@code crt}, {@code crt-s3} (the CRT-based {@code S3AsyncClient}).
 */
public final class S3GetProbe {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        if (a.containsKey("child")) {
            child(a);
            return;
        }
        int objects = Integer.parseInt(a.getOrDefault("objects", "500"));
        int size = Integer.parseInt(a.getOrDefault("size", "7000"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        List<String> protocols = List.of(a.getOrDefault("protocols", "http").split(","));
        boolean tls = protocols.contains("https");
        List<String> variants = List.of(a.getOrDefault("variants", "orchard,orchard-apache").split(","));
        Path jar = Paths.get(a.getOrDefault("s3proxy-jar", "core/target/s3proxy/s3proxy.jar"));

        try (S3ProxyProcess server = S3ProxyProcess.start(jar, tls)) {
            var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyProcess.IDENTITY, server.secret));
            try (S3Client setup = S3Client.builder().endpointOverride(URI.create(server.httpEndpoint))
                    .region(Region.US_EAST_1).forcePathStyle(true).credentialsProvider(creds)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClient(ApacheHttpClient.create()).build()) {
                setup.createBucket(b -> b.bucket("probe"));
                byte[] body = new byte[size];
                new java.util.Random(1).nextBytes(body);
                for (int i = 0; i < objects; i++) {
                    int k = i;
                    setup.putObject(b -> b.bucket("probe").key("Class " + (k % 10) + "/img_" + k + ".jpg"),
                            RequestBody.fromBytes(body));
                }
            }
            System.out.printf("# S3GetProbe %s, %d objects of %d B, fresh JVM per run: %s cold GETs, then %s warm-up, "
                            + "%s warm GETs, %s threads; load %s%n", protocols, objects, size,
                    a.getOrDefault("cold-gets", "3000"), a.getOrDefault("warmup", "3000"),
                    a.getOrDefault("gets", "10000"), a.getOrDefault("threads", "16"), BenchSupport.loadAverage());
            Map<String, List<double[]>> results = new java.util.LinkedHashMap<>();
            List<String> runs = new ArrayList<>();
            for (String protocol : protocols) {
                for (String v : variants) {
                    runs.add(v + " " + protocol);
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < runs.size(); k++) {
                    String v = runs.get((k + r) % runs.size()); // rotate: interleaved
                    boolean https = v.endsWith(" https");
                    String load = BenchSupport.loadAverage();
                    double[] m = runChild(a, v.substring(0, v.indexOf(' ')), https ? server.httpsEndpoint
                            : server.httpEndpoint, server, https, objects);
                    results.computeIfAbsent(v, x -> new ArrayList<>()).add(m);
                    System.out.printf(java.util.Locale.ROOT, "round %d %-21s cold %7.1f CPU-us/GET %8.0f B/GET %6.0f GET/s"
                                    + " | warm %7.1f CPU-us/GET %8.0f B/GET %6.0f GET/s | load %s%n",
                            r, v, m[0], m[1], m[2], m[3], m[4], m[5], load);
                }
            }
            System.out.println();
            System.out.println("| variant | runs | cold CPU-us/GET (mean) | warm CPU-us/GET (mean) | cold KB/GET | warm KB/GET |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
                List<double[]> ms = e.getValue();
                System.out.printf(java.util.Locale.ROOT, "| %s | %d | %.0f | %.0f | %.1f | %.1f |%n", e.getKey(), ms.size(),
                        mean(ms, 0), mean(ms, 3), mean(ms, 1) / 1024, mean(ms, 4) / 1024);
            }
            System.out.println("load at end " + BenchSupport.loadAverage());
        }
    }

    private static double mean(List<double[]> ms, int i) {
        return ms.stream().mapToDouble(m -> m[i]).average().orElse(Double.NaN);
    }

    /** One fresh JVM for {@code variant}: {cold CPU-us, B, GET/s, warm CPU-us, B, GET/s}. */
    private static double[] runChild(Map<String, String> a, String variant, String endpoint, S3ProxyProcess server,
                                     boolean tls, int objects) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + a.getOrDefault("xmx", "1g")));
        if (tls) {
            cmd.add("-Djavax.net.ssl.trustStore=" + server.trustStore());
            cmd.add("-Djavax.net.ssl.trustStorePassword=" + S3ProxyProcess.trustStorePassword());
        }
        cmd.addAll(List.of("-Daws.accessKeyId=" + S3ProxyProcess.IDENTITY, "-Daws.secretAccessKey=" + server.secret,
                "-cp", System.getProperty("java.class.path"), S3GetProbe.class.getName(), "--child", variant,
                "--endpoint", endpoint, "--secret", server.secret, "--objects", String.valueOf(objects),
                "--cold-gets", a.getOrDefault("cold-gets", "3000"), "--warmup", a.getOrDefault("warmup", "3000"),
                "--gets", a.getOrDefault("gets", "10000"), "--threads", a.getOrDefault("threads", "16")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (tls) {
            pb.environment().put("SSL_CERT_FILE", server.certificate().toString());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(variant + ": child failed:\n" + out);
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.split(" ");
                double[] m = new double[6];
                for (int i = 0; i < 6; i++) {
                    m[i] = Double.parseDouble(f[i + 1]);
                }
                return m;
            }
        }
        throw new IllegalStateException(variant + ": no RESULT line:\n" + out);
    }

    /** In the child JVM: build the client, cold GETs, warm-up, warm GETs; prints one RESULT line. */
    private static void child(Map<String, String> a) throws Exception {
        String variant = a.get("child");
        String endpoint = a.get("endpoint");
        int objects = Integer.parseInt(a.get("objects"));
        int threads = Integer.parseInt(a.get("threads"));
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyProcess.IDENTITY, a.get("secret")));
        StorageOptions options = StorageOptions.defaults().withEndpoint(endpoint);
        long cpu0 = BenchSupport.processCpuNanos();
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long alloc0 = totalAllocated(tmx);
        try (Getter g = getter(variant, endpoint, options, creds)) {
            long build = BenchSupport.processCpuNanos() - cpu0;
            long buildAlloc = totalAllocated(tmx) - alloc0;
            int cold = Integer.parseInt(a.get("cold-gets"));
            double[] c = measure(g, cold, objects, threads);
            // the client's construction belongs to the cold cost
            c[0] += build / 1e3 / cold;
            c[1] += (double) buildAlloc / cold;
            measure(g, Integer.parseInt(a.get("warmup")), objects, threads);
            double[] w = measure(g, Integer.parseInt(a.get("gets")), objects, threads);
            System.out.printf(java.util.Locale.ROOT, "RESULT %.3f %.1f %.1f %.3f %.1f %.1f%n", c[0], c[1], c[2], w[0], w[1], w[2]);
        }
    }

    interface Getter extends AutoCloseable {
        byte[] get(String key) throws Exception;

        @Override
        default void close() {}
    }

    private static Getter getter(String variant, String endpoint, StorageOptions options,
                         StaticCredentialsProvider creds) {
        switch (variant) {
            case "orchard", "orchard-apache", "orchard-crt": {
                if (!variant.equals("orchard")) {
                    System.setProperty("orchard.s3.get", "sdk");
                    System.setProperty("orchard.s3.http-client", variant.substring("orchard-".length()));
                }
                Storage st = Storages.forUri("s3://probe/x", options);
                System.out.println("# " + variant + ": " + st);
                return key -> st.readAllBytes("s3://probe/" + key);
            }
            case "crt-s3": {
                S3AsyncClient c = S3AsyncClient.crtBuilder().endpointOverride(URI.create(endpoint))
                        .region(Region.of(options.region())).forcePathStyle(true).credentialsProvider(creds)
                        .checksumValidationEnabled(false).maxConcurrency(64).build();
                return new Getter() {
                    public byte[] get(String key) {
                        return c.getObject(b -> b.bucket("probe").key(key), AsyncResponseTransformer.toBytes())
                                .join().asByteArray();
                    }

                    public void close() {
                        c.close();
                    }
                };
            }
            default: {
                SdkHttpClient http = switch (variant) {
                    case "apache" -> ApacheHttpClient.builder().maxConnections(64).build();
                    case "urlconn" -> UrlConnectionHttpClient.create();
                    case "crt" -> AwsCrtHttpClient.builder().maxConcurrency(64).build();
                    default -> throw new IllegalArgumentException("unknown variant " + variant);
                };
                S3Client c = S3Client.builder().endpointOverride(URI.create(endpoint))
                        .region(Region.of(options.region())).forcePathStyle(true).credentialsProvider(creds)
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                        .httpClient(http).build();
                return new Getter() {
                    public byte[] get(String key) {
                        return c.getObjectAsBytes(b -> b.bucket("probe").key(key)).asByteArray();
                    }

                    public void close() {
                        c.close();
                        http.close();
                    }
                };
            }
        }
    }

    /** {CPU-µs per GET (this process), bytes allocated per GET (all threads), GETs per second}. */
    private static double[] measure(Getter g, int gets, int objects, int threads) throws Exception {
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long alloc0 = totalAllocated(tmx);
            long cpu0 = BenchSupport.processCpuNanos();
            long t0 = System.nanoTime();
            List<Future<Long>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit((Callable<Long>) () -> {
                    long bytes = 0;
                    for (int i; (i = next.getAndIncrement()) < gets; ) {
                        int k = i % objects;
                        bytes += g.get("Class " + (k % 10) + "/img_" + k + ".jpg").length;
                    }
                    return bytes;
                }));
            }
            for (Future<Long> f : fs) {
                f.get();
            }
            long wall = System.nanoTime() - t0;
            long cpu = BenchSupport.processCpuNanos() - cpu0;
            long alloc = totalAllocated(tmx) - alloc0;
            return new double[] {cpu / 1e3 / gets, (double) alloc / gets, gets / (wall / 1e9)};
        } finally {
            pool.shutdown();
        }
    }

    private static long totalAllocated(com.sun.management.ThreadMXBean tmx) {
        long sum = 0;
        for (long b : tmx.getThreadAllocatedBytes(tmx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
