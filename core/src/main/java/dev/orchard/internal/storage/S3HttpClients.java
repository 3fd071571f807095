package dev.orchard.internal.storage;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The HTTP client under Orchard's SDK S3 client (writes, deletes, HEAD; reads and listings too where
 * {@link S3Get} does not take them): Apache by default, or the AWS Common Runtime's ({@code aws-crt-client},
 * native HTTP/1.1 + s2n TLS). Through the SDK client the CRT cost 13 % (HTTP) to 28 % (HTTPS) less CPU per
 * GET than Apache over a fresh JVM's first 3,000 GETs ({@code benchmarks/README.md}, "S3 input"); image reads
 * now take {@link S3Get}, which costs less than either.
 *
 * <p>Chosen with the system property {@value #PROPERTY} (on executors:
 * {@code spark.executor.extraJavaOptions=-Dorchard.s3.http-client=apache}):
 * <ul>
 *   <li>{@code apache} (default): the Apache client;</li>
 *   <li>{@code auto}: the CRT client; if it cannot start (no native library for the platform,
 *       a {@code noexec} temporary directory), the Apache client, said once per JVM in the log;</li>
 *   <li>{@code crt}: the CRT client or a clear error.</li>
 * </ul>
 *
 * <p><b>Why opt-in.</b> The CRT's classes cannot be relocated in {@code orchard-job.jar} (its JNI library names
 * them), so on a cluster whose class path ships another {@code aws-crt} version the two would meet; and it has
 * not run against real S3 or on EMR yet. End to end its gain was 4 % of Orchard's CPU per image
 * ({@code benchmarks/README.md}).
 *
 * <p>Both keep connections alive in a pool of {@link #MAX_CONNECTIONS}, connect within
 * {@link #CONNECT_TIMEOUT} and give up on a connection that sends nothing for {@link #SOCKET_TIMEOUT}
 * (the CRT's throughput monitor: below 1 byte/s for that long). TLS: Apache trusts the JVM's trust store
 * ({@code javax.net.ssl.trustStore}); the CRT trusts the system's CA bundle plus whatever the
 * {@code SSL_CERT_FILE} / {@code SSL_CERT_DIR} environment variables name (aws-lc's default paths), which
 * is how a test or a private CA adds a certificate. A response body without framing is refused on the CRT
 * ({@link UnframedBodyGuard}).
 */
final class S3HttpClients {

    /** System property that picks the client: {@code auto}, {@code crt} or {@code apache}. */
    static final String PROPERTY = "orchard.s3.http-client";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
    /**
     * How long a CRT request waits for a pooled connection, connecting included (the SDK's default). A
     * connection that fails TLS negotiation (an untrusted certificate) surfaces only as this wait running out.
     */
    static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_CONNECTIONS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(S3HttpClients.class);
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    enum Kind { AUTO, CRT, APACHE }

    private S3HttpClients() {}

    /** The kind the system property asks for; a clear line if it names none. */
    static Kind requested() {
        String value = System.getProperty(PROPERTY, "apache").strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> Kind.AUTO;
            case "" -> Kind.APACHE;
            case "crt" -> Kind.CRT;
            case "apache" -> Kind.APACHE;
            default -> throw new IllegalArgumentException("Invalid -D" + PROPERTY + "=" + value
                    + ": use auto, crt or apache");
        };
    }

    /**
     * A builder for the S3 client's {@code httpClientBuilder}, so the SDK owns (and closes) the HTTP client:
     * it builds the {@link #requested()} kind when the S3 client is built and remembers which one it built.
     */
    static Choice choice() {
        return new Choice(requested());
    }

    static final class Choice implements SdkHttpClient.Builder<Choice> {
        private final Kind kind;
        private volatile String built;

        Choice(Kind kind) {
            this.kind = kind;
        }

        /** {@link SdkHttpClient#clientName()} of the client built ({@code AwsCommonRuntime} or {@code Apache}). */
        String built() {
            return built;
        }

        @Override
        public SdkHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
            SdkHttpClient client = create(kind, serviceDefaults);
            built = client.clientName();
            return client;
        }
    }

    /**
     * Refuses, on the CRT client, a successful response whose body has no framing (neither
     * {@code Content-Length} nor {@code Transfer-Encoding}: a body delimited by the server closing the
     * connection, as some proxies send). The CRT's HTTP/1.1 decoder reads such a body as empty (aws-c-http
     * issues 106, 546), which would turn a listing into "no objects" or an image into zero bytes without a
     * word; Apache reads it to the end. S3 itself always frames its bodies.
     */
    static final class UnframedBodyGuard implements ExecutionInterceptor {
        private final Choice http;

        UnframedBodyGuard(Choice http) {
            this.http = http;
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            SdkHttpResponse response = context.httpResponse();
            if (response.isSuccessful() && response.statusCode() != 204 && response.statusCode() != 304
                    && context.httpRequest().method() != SdkHttpMethod.HEAD
                    && response.firstMatchingHeader("Content-Length").isEmpty()
                    && response.firstMatchingHeader("Transfer-Encoding").isEmpty()
                    && "AwsCommonRuntime".equals(http.built())) {
                throw SdkClientException.create("The S3 endpoint sent a response body without Content-Length or "
                        + "chunked encoding (delimited by closing the connection), which the AWS CRT HTTP client "
                        + "reads as empty: run with -D" + PROPERTY + "=apache");
            }
        }
    }

    private static SdkHttpClient create(Kind kind, AttributeMap defaults) {
        if (kind == Kind.APACHE) {
            return apache().buildWithDefaults(defaults);
        }
        try {
            return crt().buildWithDefaults(defaults);
        } catch (RuntimeException | LinkageError e) {
            if (kind == Kind.CRT) {
                throw new IllegalStateException("The AWS CRT HTTP client cannot start on this JVM (" + reason(e)
                        + "): run with -D" + PROPERTY + "=apache or auto", e);
            }
            if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                LOG.warn("AWS CRT HTTP client unavailable ({}): S3 requests use the Apache HTTP client", reason(e));
            }
            return apache().buildWithDefaults(defaults);
        }
    }

    static AwsCrtHttpClient.Builder crt() {
        return AwsCrtHttpClient.builder()
                .maxConcurrency(MAX_CONNECTIONS)
                .connectionTimeout(CONNECT_TIMEOUT)
                .connectionAcquisitionTimeout(ACQUIRE_TIMEOUT)
                .connectionHealthConfiguration(h -> h.minimumThroughputInBps(1L)
                        .minimumThroughputTimeout(SOCKET_TIMEOUT));
    }

    static ApacheHttpClient.Builder apache() {
        return ApacheHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .maxConnections(MAX_CONNECTIONS);
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().strip().lines().findFirst().orElse("");
        if (message.startsWith(root.getClass().getName() + ": ")) {
            message = message.substring(root.getClass().getName().length() + 2);
        }
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
