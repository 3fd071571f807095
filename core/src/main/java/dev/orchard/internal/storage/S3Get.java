package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute;
import software.amazon.awssdk.awscore.endpoints.authscheme.EndpointAuthScheme;
import software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A whole-object S3 GET with as little code per request as S3's semantics allow: the request is signed with
 * SigV4 ({@link SigV4}) and sent as HTTP/1.1 on a pooled keep-alive socket (TLS through the JVM's
 * {@link SSLSocketFactory} and trust store, host name verified), the response head is parsed in place and the body
 * read once into an array of its {@code Content-Length}. This is the images' read path: one small object per
 * image, where the SDK's request pipeline (about 25 interceptors, endpoint rules, the XML protocol, Apache's
 * exec chain) cost a fresh executor more CPU per image than S3 itself ({@code benchmarks/README.md}, "S3 input").
 *
 * <p><b>What is the same as the SDK client's GET:</b> credentials from the same provider (session tokens sent);
 * the endpoint of each bucket from the SDK's own S3 endpoint rules (virtual-hosted or path-style, the endpoint
 * override, FIPS-free regional AWS endpoints), resolved once per bucket; the signing region from the rules' auth
 * scheme; retries as {@link S3Storage}'s: {@link StorageOptions#maxAttempts()} attempts of I/O errors, truncated
 * bodies, 500/502/503/504, 429 and S3's throttling and timeout codes, exponential backoff with full jitter (100 ms
 * base, 1 s after throttling, at most 20 s); a 403 {@code RequestTimeTooSkewed} corrects the clock from the
 * server's {@code Date} and tries again. Failures are thrown as the SDK's own exceptions ({@link S3Exception} with
 * the status and S3's error code, {@link NoSuchKeyException}, {@link SdkClientException} around the I/O error), so
 * {@link S3Storage} words them exactly as before. On AWS (no endpoint override) it asks for the object's stored
 * checksum and checks the body against it ({@link BodyChecksums}), as the SDK does by default since 2.30; any
 * full-object checksum a server sends is checked.
 *
 * <p><b>When the SDK's GET is used instead</b> ({@link #get} returns {@code null}): a bucket whose endpoint
 * rules ask for another auth scheme than SigV4 for {@code s3} (S3 Express directory buckets, multi-region access
 * points); and for the whole JVM when {@value #PROPERTY}{@code =sdk} or an HTTP proxy is configured
 * ({@code http(s).proxyHost} or {@code HTTP(S)_PROXY}), which the SDK's client honours and this one does not.
 *
 * <p>Thread-safe. Connections idle longer than {@link #MAX_IDLE_MILLIS} are not reused (S3 closes idle
 * connections after about 20 s); a reused connection that fails before any response byte arrives (closed by
 * the server meanwhile) is replaced once without counting an attempt, as GET is idempotent.
 */
final class S3Get implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3Get.class);

    /** System property: {@code lean} (default) for this path, {@code sdk} for the SDK client's GET. */
    static final String PROPERTY = "orchard.s3.get";
    static final int CONNECT_TIMEOUT_MILLIS = (int) S3HttpClients.CONNECT_TIMEOUT.toMillis();
    static final int SOCKET_TIMEOUT_MILLIS = (int) S3HttpClients.SOCKET_TIMEOUT.toMillis();
    static final long MAX_IDLE_MILLIS = 15_000;
    /** Idle connections kept per endpoint. */
    static final int MAX_IDLE = S3HttpClients.MAX_CONNECTIONS;
    static final long BASE_DELAY_MILLIS = 100;
    static final long THROTTLED_BASE_DELAY_MILLIS = 1_000;
    static final long MAX_BACKOFF_MILLIS = 20_000;
    private static final int MAX_HEAD_BYTES = 64 << 10;
    private static final int MAX_ERROR_BODY_BYTES = 1 << 20;
    private static final Set<String> THROTTLING_CODES = Set.of("SlowDown", "Throttling", "ThrottlingException",
            "ThrottledException", "RequestThrottledException", "TooManyRequestsException", "RequestThrottled",
            "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "EC2ThrottledException",
            "ProvisionedThroughputExceededException", "TransactionInProgressException");
    private static final Set<String> RETRYABLE_CODES = Set.of("RequestTimeout", "RequestTimeoutException",
            "PriorRequestNotComplete", "InternalError", "ServiceUnavailable");

    /** Where a bucket's objects are fetched, from the endpoint rules. */
    record Target(boolean tls, String host, int port, String hostHeader, String basePath, String signingRegion) {
    }

    /** A bucket the rules send elsewhere (another auth scheme): the SDK's GET handles it. */
    private static final Target USE_SDK = new Target(false, "", 0, "", "", "");

    /** For tests ({@link Storages#observeLeanS3Requests}): told the operation of each request; null otherwise. */
    static volatile java.util.function.Consumer<String> observer;

    private final StorageOptions options;
    private final AwsCredentialsProvider credentials;
    private final S3EndpointProvider endpoints;
    private final SigV4 signer = new SigV4();
    private final boolean checksumMode;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<Target, ArrayDeque<Connection>> idle = new ConcurrentHashMap<>();
    private volatile long clockOffsetMillis;
    private volatile boolean closed;

    S3Get(StorageOptions options, AwsCredentialsProvider credentials, S3EndpointProvider endpoints) {
        this.options = options;
        this.credentials = credentials;
        this.endpoints = endpoints;
        this.checksumMode = options.endpoint() == null;
    }

    /**
     * Whether this JVM uses this path: not when {@value #PROPERTY}{@code =sdk}, nor when an HTTP proxy is set.
     *
     * @throws IllegalArgumentException for another value of {@value #PROPERTY}
     */
    static boolean enabled() {
        String choice = System.getProperty(PROPERTY, "lean").strip().toLowerCase(Locale.ROOT);
        if (!choice.equals("lean") && !choice.equals("sdk")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be 'lean' or 'sdk' but was '" + choice + "'");
        }
        if (choice.equals("sdk")) {
            return false;
        }
        for (String p : List.of("http.proxyHost", "https.proxyHost")) {
            if (!System.getProperty(p, "").isBlank()) {
                LOG.info("S3 reads use the SDK client: {} is set", p);
                return false;
            }
        }
        for (String v : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")) {
            String value = System.getenv(v);
            if (value != null && !value.isBlank()) {
                LOG.info("S3 reads use the SDK client: {} is set", v);
                return false;
            }
        }
        return true;
    }

    /**
     * The whole object, or {@code null} when this bucket needs the SDK client (see the class comment).
     *
     * @throws NoSuchKeyException for a missing key (404 NoSuchKey)
     * @throws S3Exception        for another HTTP error, after the retries for retryable ones
     * @throws SdkClientException for I/O errors and a body that fails its checksum, after the retries
     */
    byte[] get(String bucket, String key) {
        Target target = target(bucket);
        if (target == null) {
            return null;
        }
        observe("GetObject");
        return call(target, target.basePath + "/" + SigV4.encodeKey(key), "", checksumMode,
                "s3://" + bucket + "/" + key);
    }

    /**
     * One ListObjectsV2 page, or {@code null} when this bucket needs the SDK client.
     *
     * @param prefix      the key prefix, or {@code null}
     * @param delimiter   the delimiter ({@code /}), or {@code null} for a recursive listing
     * @param startAfter  list keys after this one, or {@code null}
     * @param token       the previous page's continuation token, or {@code null} for the first page
     * @param maxKeys     keys per page, at most 1,000
     * @throws S3Exception        for an HTTP error, after the retries for retryable ones
     * @throws SdkClientException for I/O errors and an unreadable response, after the retries
     */
    ListPage list(String bucket, String prefix, String delimiter, String startAfter, String token, int maxKeys) {
        Target target = target(bucket);
        if (target == null) {
            return null;
        }
        // the canonical query: parameters sorted by name, each name and value encoded once, '/' too
        StringBuilder query = new StringBuilder(128);
        if (token != null) {
            query.append("continuation-token=").append(SigV4.encodeQuery(token)).append('&');
        }
        if (delimiter != null) {
            query.append("delimiter=").append(SigV4.encodeQuery(delimiter)).append('&');
        }
        query.append("list-type=2&max-keys=").append(maxKeys);
        if (prefix != null) {
            query.append("&prefix=").append(SigV4.encodeQuery(prefix));
        }
        if (startAfter != null) {
            query.append("&start-after=").append(SigV4.encodeQuery(startAfter));
        }
        String path = target.basePath.isEmpty() ? "/" : target.basePath;
        observe("ListObjectsV2");
        byte[] xml = call(target, path, query.toString(), false, "s3://" + bucket + "/" + (prefix == null ? "" : prefix));
        try {
            return ListPage.parse(xml);
        } catch (RuntimeException e) {
            throw SdkClientException.create("Unreadable ListObjectsV2 response from " + target.hostHeader + ": " + e, e);
        }
    }

    private static void observe(String operation) {
        java.util.function.Consumer<String> o = observer;
        if (o != null) {
            o.accept(operation);
        }
    }

    /**
     * Sends a signed GET with up to {@link StorageOptions#maxAttempts()} attempts and returns the 200 response's
     * body, checked against its full-object checksum when {@code checksums}.
     */
    private byte[] call(Target target, String path, String query, boolean checksums, String what) {
        if (closed) {
            throw new IllegalStateException("S3 client is closed");
        }
        SdkException last = null;
        boolean throttled = false;
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            if (attempt > 1) {
                backoff(attempt - 1, throttled);
            }
            Response r;
            try {
                r = exchange(target, request(target, path, query, checksums));
            } catch (IOException e) {
                last = SdkClientException.builder().message("Unable to execute HTTP request: " + e.getMessage())
                        .cause(e).build();
                throttled = false;
                continue;
            }
            if (r.status == 200) {
                String mismatch = BodyChecksums.mismatch(r.body, r.headers::get, r.headers.get("x-amz-checksum-type"));
                if (mismatch == null) {
                    return r.body;
                }
                last = SdkClientException.create(mismatch + " (" + what + ")");
                throttled = false;
                continue;
            }
            ErrorBody error = ErrorBody.parse(r.body);
            S3Exception failure = failure(r, error);
            if (r.status == 403 && "RequestTimeTooSkewed".equals(error.code) && adjustClock(r.headers.get("date"))) {
                last = failure;
                throttled = false;
                continue;
            }
            throttled = r.status == 429 || THROTTLING_CODES.contains(error.code);
            boolean retryable = throttled || r.status == 500 || r.status == 502 || r.status == 503
                    || r.status == 504 || RETRYABLE_CODES.contains(error.code);
            if (!retryable) {
                throw failure;
            }
            last = failure;
        }
        throw last;
    }

    /** Where this bucket's objects are fetched, or {@code null} when its reads need the SDK client. */
    Target target(String bucket) {
        Target target = targets.computeIfAbsent(bucket, this::resolve);
        return target == USE_SDK ? null : target;
    }

    private Target resolve(String bucket) {
        S3EndpointParams.Builder params = S3EndpointParams.builder()
                .bucket(bucket)
                .region(Region.of(options.region()))
                .forcePathStyle(options.pathStyle());
        if (options.endpoint() != null) {
            params.endpoint(options.endpoint());
        }
        Endpoint endpoint;
        try {
            endpoint = endpoints.resolveEndpoint(params.build()).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof SdkException sdk) {
                throw sdk; // the rules' own words, as the SDK client would report them
            }
            throw SdkClientException.create("Cannot resolve the S3 endpoint of bucket " + bucket + ": " + e.getCause(),
                    e.getCause());
        }
        String signingRegion = options.region();
        List<EndpointAuthScheme> schemes = endpoint.attribute(AwsEndpointAttribute.AUTH_SCHEMES);
        if (schemes != null && !schemes.isEmpty()) {
            if (!(schemes.get(0) instanceof SigV4AuthScheme v4) || !"s3".equals(v4.signingName())) {
                LOG.info("S3 reads of bucket {} use the SDK client (auth scheme {})", bucket, schemes.get(0).name());
                return USE_SDK;
            }
            if (v4.signingRegion() != null) {
                signingRegion = v4.signingRegion();
            }
        }
        URI url = endpoint.url();
        boolean tls = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
        String hostHeader = url.getPort() > 0 && url.getPort() != (tls ? 443 : 80)
                ? url.getHost() + ":" + url.getPort() : url.getHost();
        String basePath = url.getRawPath() == null ? "" : url.getRawPath();
        if (basePath.endsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        return new Target(tls, url.getHost(), port, hostHeader, basePath, signingRegion);
    }

    private byte[] request(Target target, String path, String query, boolean checksumMode) {
        AwsCredentials creds = credentials.resolveCredentials();
        String token = creds instanceof AwsSessionCredentials s ? s.sessionToken() : null;
        String amzDate = SigV4.amzDate(System.currentTimeMillis() + clockOffsetMillis);
        String authorization = signer.authorization(creds.accessKeyId(), creds.secretAccessKey(), token,
                target.signingRegion, target.hostHeader, path, query, amzDate, checksumMode);
        StringBuilder head = new StringBuilder(512 + path.length() + query.length()
                + (token == null ? 0 : token.length()));
        head.append("GET ").append(path).append(query.isEmpty() ? "" : "?").append(query).append(" HTTP/1.1\r\n")
                .append("Host: ").append(target.hostHeader).append("\r\n")
                .append("User-Agent: orchard-s3-get\r\n");
        if (checksumMode) {
            head.append("x-amz-checksum-mode: ENABLED\r\n");
        }
        head.append("x-amz-content-sha256: ").append(SigV4.EMPTY_PAYLOAD_SHA256).append("\r\n")
                .append("x-amz-date: ").append(amzDate).append("\r\n");
        if (token != null) {
            head.append("x-amz-security-token: ").append(token.strip()).append("\r\n");
        }
        head.append("Authorization: ").append(authorization).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    private S3Exception failure(Response r, ErrorBody error) {
        AwsErrorDetails details = AwsErrorDetails.builder().errorCode(error.code).errorMessage(error.message)
                .serviceName("S3").build();
        String message = (error.message != null ? error.message : "HTTP " + r.status)
                + " (Service: S3, Status Code: " + r.status + (error.requestId != null
                ? ", Request ID: " + error.requestId : "") + ")";
        if (r.status == 404 && (error.code == null || "NoSuchKey".equals(error.code))) {
            return (S3Exception) NoSuchKeyException.builder().statusCode(404).awsErrorDetails(details)
                    .message(message).requestId(error.requestId).build();
        }
        return (S3Exception) S3Exception.builder().statusCode(r.status).awsErrorDetails(details).message(message)
                .requestId(error.requestId).build();
    }

    private boolean adjustClock(String date) {
        if (date == null) {
            return false;
        }
        try {
            long server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            clockOffsetMillis = server - System.currentTimeMillis();
            LOG.warn("This machine's clock differs from S3's by {} s: S3 requests are signed with S3's time",
                    clockOffsetMillis / 1000);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void backoff(int retry, boolean throttled) {
        long base = throttled ? THROTTLED_BASE_DELAY_MILLIS : BASE_DELAY_MILLIS;
        long ceiling = Math.min(MAX_BACKOFF_MILLIS, base << Math.min(retry - 1, 20));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(ceiling + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.builder().message("Interrupted while waiting to retry an S3 GET")
                    .cause(new InterruptedIOException("interrupted")).build();
        }
    }

    // ---------------------------------------------------------------- HTTP/1.1

    /** A status, the response headers (names lower case) and the body read whole. */
    record Response(int status, Map<String, String> headers, byte[] body) {
    }

    /** Sends one request and reads its response on a pooled connection, or a new one. */
    private Response exchange(Target target, byte[] request) throws IOException {
        Connection pooled = borrow(target);
        if (pooled != null) {
            try {
                return send(target, pooled, request);
            } catch (NoResponseException e) {
                // The server closed the idle connection meanwhile: once more on a new one, not an attempt.
            }
        }
        return send(target, connect(target), request);
    }

    private Response send(Target target, Connection c, byte[] request) throws IOException {
        boolean reusable = false;
        try {
            try {
                c.out.write(request);
                c.out.flush();
            } catch (IOException e) {
                throw new NoResponseException(e);
            }
            Response response = c.readResponse();
            reusable = c.reusable;
            return response;
        } finally {
            if (reusable && !closed) {
                giveBack(target, c);
            } else {
                c.close();
            }
        }
    }

    private Connection borrow(Target target) {
        ArrayDeque<Connection> pool = idle.get(target);
        if (pool == null) {
            return null;
        }
        long now = System.currentTimeMillis();
        synchronized (pool) {
            Connection c;
            while ((c = pool.pollLast()) != null) {
                if (now - c.idleSince < MAX_IDLE_MILLIS) {
                    return c;
                }
                c.close();
            }
        }
        return null;
    }

    private void giveBack(Target target, Connection c) {
        c.idleSince = System.currentTimeMillis();
        ArrayDeque<Connection> pool = idle.computeIfAbsent(target, t -> new ArrayDeque<>());
        synchronized (pool) {
            if (pool.size() < MAX_IDLE) {
                pool.addLast(c);
                return;
            }
        }
        c.close();
    }

    private static Connection connect(Target target) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(target.host, target.port), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            if (target.tls) {
                SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(socket, target.host, target.port, true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                socket = tls;
            }
            return new Connection(socket);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Closes the idle connections; requests under way finish and close theirs. */
    @Override
    public void close() {
        closed = true;
        for (ArrayDeque<Connection> pool : idle.values()) {
            synchronized (pool) {
                Connection c;
                while ((c = pool.pollFirst()) != null) {
                    c.close();
                }
            }
        }
    }

    /** The connection ended before any byte of a response: safe to send again on a new one. */
    static final class NoResponseException extends IOException {
        NoResponseException(IOException cause) {
            super("connection closed before a response: " + cause.getMessage(), cause);
        }

        NoResponseException(String message) {
            super(message);
        }
    }

    /** One HTTP/1.1 connection with its own read buffer. Used by one request at a time. */
    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[16 << 10];
        private int pos;
        private int limit;
        long idleSince;
        boolean reusable;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        Response readResponse() throws IOException {
            reusable = false;
            if (pos == limit && !fill(true)) {
                throw new NoResponseException("connection closed before a response");
            }
            String statusLine = line();
            int status = parseStatus(statusLine);
            Map<String, String> headers = new HashMap<>(32);
            int headBytes = statusLine.length();
            for (String line = line(); !line.isEmpty(); line = line()) {
                headBytes += line.length();
                if (headBytes > MAX_HEAD_BYTES) {
                    throw new IOException("HTTP response head longer than " + MAX_HEAD_BYTES + " bytes");
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).strip(), (a, b) -> a + "," + b);
                }
            }
            if (status / 100 == 1) { // 100 Continue and friends: the real response follows
                return readResponse();
            }
            String lengthHeader = headers.get("content-length");
            boolean chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
            boolean keepAlive = statusLine.startsWith("HTTP/1.1")
                    && !headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("close");
            byte[] body;
            if (status == 204 || status == 304) {
                body = new byte[0];
            } else if (chunked) {
                body = chunked(status == 200 ? Integer.MAX_VALUE - 8 : MAX_ERROR_BODY_BYTES);
            } else if (lengthHeader != null) {
                long length;
                try {
                    length = Long.parseLong(lengthHeader.strip());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length '" + lengthHeader + "'");
                }
                long max = status == 200 ? Integer.MAX_VALUE - 8 : MAX_ERROR_BODY_BYTES;
                if (length < 0 || length > max) {
                    if (status == 200) {
                        throw new IOException("S3 object too large to read whole: " + length + " bytes");
                    }
                    return new Response(status, headers, new byte[0]); // not reusable: body left unread
                }
                body = new byte[(int) length];
                readFully(body, body.length);
            } else {
                body = toEnd(status == 200 ? Integer.MAX_VALUE - 8 : MAX_ERROR_BODY_BYTES);
                keepAlive = false;
            }
            reusable = keepAlive;
            return new Response(status, headers, body);
        }

        private static int parseStatus(String statusLine) throws IOException {
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
                throw new IOException("not an HTTP/1.x response: '" + abbreviate(statusLine) + "'");
            }
            try {
                return Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("bad HTTP status line '" + abbreviate(statusLine) + "'");
            }
        }

        private static String abbreviate(String s) {
            return s.length() > 80 ? s.substring(0, 80) + "..." : s;
        }

        /** Reads more bytes into the buffer; false at the end of the stream. */
        private boolean fill(boolean first) throws IOException {
            if (pos == limit) {
                pos = 0;
                limit = 0;
            }
            int n;
            try {
                n = in.read(buf, limit, buf.length - limit);
            } catch (IOException e) {
                throw first ? new NoResponseException(e) : e;
            }
            if (n < 0) {
                return false;
            }
            limit += n;
            return true;
        }

        /** One header line without its CRLF (ISO-8859-1). */
        private String line() throws IOException {
            StringBuilder out = null;
            while (true) {
                for (int i = pos; i < limit; i++) {
                    if (buf[i] == '\n') {
                        int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                        String part = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                        pos = i + 1;
                        if (out == null) {
                            return part;
                        }
                        out.append(part);
                        int n = out.length();
                        return n > 0 && out.charAt(n - 1) == '\r' ? out.substring(0, n - 1) : out.toString();
                    }
                }
                if (out == null) {
                    out = new StringBuilder();
                }
                out.append(new String(buf, pos, limit - pos, StandardCharsets.ISO_8859_1));
                if (out.length() > MAX_HEAD_BYTES) {
                    throw new IOException("HTTP header line longer than " + MAX_HEAD_BYTES + " bytes");
                }
                pos = limit;
                if (!fill(false)) {
                    throw new EOFException("connection closed in the middle of the response head");
                }
            }
        }

        private void readFully(byte[] into, int length) throws IOException {
            int done = Math.min(length, limit - pos);
            System.arraycopy(buf, pos, into, 0, done);
            pos += done;
            while (done < length) {
                int n = in.read(into, done, length - done);
                if (n < 0) {
                    throw new EOFException("S3 response body ended after " + done + " of " + length + " bytes");
                }
                done += n;
            }
        }

        private byte[] chunked(int max) throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                int semicolon = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size '" + abbreviate(sizeLine) + "'");
                }
                if (size == 0) {
                    for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                        // trailers are not used
                    }
                    return body.toByteArray();
                }
                if (size < 0 || body.size() + size > max) {
                    throw new IOException("chunked response body larger than " + max + " bytes");
                }
                byte[] chunk = new byte[(int) size];
                readFully(chunk, chunk.length);
                body.write(chunk);
                if (!line().isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        }

        private byte[] toEnd(int max) throws IOException {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(buf, pos, limit - pos);
            pos = limit;
            byte[] chunk = new byte[16 << 10];
            for (int n; (n = in.read(chunk)) >= 0; ) {
                body.write(chunk, 0, n);
                if (body.size() > max) {
                    throw new IOException("response body larger than " + max + " bytes");
                }
            }
            return body.toByteArray();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** S3's XML error body: Code, Message, RequestId (any may be missing, e.g. for HEAD or a proxy's reply). */
    record ErrorBody(String code, String message, String requestId) {

        static ErrorBody parse(byte[] body) {
            String xml = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return new ErrorBody(element(xml, "Code"), element(xml, "Message"), element(xml, "RequestId"));
        }

        /** The element's decoded text ({@link ListPage#element}), or {@code null} where it is absent or malformed. */
        private static String element(String xml, String name) {
            try {
                return ListPage.element(xml, name, 0, xml.length());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
