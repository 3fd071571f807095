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
 * Steady-state CPU of one small-object GET in this JVM (S3Proxy runs as another process), for the
 * S3 client variants Orchard could use. Each variant: warm-up, then {@code --gets} GETs of
 * {@code --size}-byte objects from {@code --threads} threads; prints this process's CPU-µs and
 * allocated bytes per GET. Variants run interleaved, {@code --rounds} times.
 */
public final class S3GetProbe {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSupport.parse(args);
        int objects = Integer.parseInt(a.getOrDefault("objects", "500"));
        int size = Integer.parseInt(a.getOrDefault("size", "7000"));
        int gets = Integer.parseInt(a.getOrDefault("gets", "20000"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "16"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "2"));
        boolean tls = Boolean.parseBoolean(a.getOrDefault("tls", "false"));
        List<String> variants = List.of(a.getOrDefault("variants", "orchard,apache,urlconn,crt,crt-s3").split(","));
        Path jar = Paths.get(a.getOrDefault("s3proxy-jar", "core/target/s3proxy/s3proxy.jar"));

        try (S3ProxyProcess server = S3ProxyProcess.start(jar, tls)) {
            if (tls) {
                System.setProperty("javax.net.ssl.trustStore", server.trustStore().toString());
                System.setProperty("javax.net.ssl.trustStorePassword", S3ProxyProcess.trustStorePassword());
            }
            String endpoint = tls ? server.httpsEndpoint : server.httpEndpoint;
            System.setProperty("aws.accessKeyId", S3ProxyProcess.IDENTITY);
            System.setProperty("aws.secretAccessKey", server.secret);
            var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyProcess.IDENTITY, server.secret));
            try (S3Client setup = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                    .forcePathStyle(true).credentialsProvider(creds)
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
            System.out.printf("# S3GetProbe %s, %d objects of %d B, %d GETs x %d threads, load %s%n",
                    endpoint, objects, size, gets, threads, BenchSupport.loadAverage());
            StorageOptions options = StorageOptions.defaults().withEndpoint(endpoint);
            for (int r = 0; r < rounds; r++) {
                for (String v : variants) {
                    try (Getter g = getter(v, endpoint, options, creds)) {
                        measure(g, Math.min(gets, 3000), objects, threads); // warm-up
                        double[] m = measure(g, gets, objects, threads);
                        System.out.printf("round %d %-10s %8.1f CPU-us/GET %9.0f B alloc/GET %7.0f GET/s load %s%n",
                                r, v, m[0], m[1], m[2], BenchSupport.loadAverage());
                    }
                }
            }
        }
    }

    interface Getter extends AutoCloseable {
        byte[] get(String key) throws Exception;

        @Override
        default void close() {}
    }

    static Getter getter(String variant, String endpoint, StorageOptions options,
                         StaticCredentialsProvider creds) {
        switch (variant) {
            case "orchard": {
                Storage st = Storages.forUri("s3://probe/x", options);
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
    static double[] measure(Getter g, int gets, int objects, int threads) throws Exception {
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
