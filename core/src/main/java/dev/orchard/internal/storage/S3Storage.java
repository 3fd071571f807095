package dev.orchard.internal.storage;

import dev.orchard.StorageOptions;
import dev.orchard.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Amazon S3 (or an S3-compatible server) through one synchronous AWS SDK v2 client, over the Apache HTTP
 * client or, opted in, the AWS CRT's ({@link S3HttpClients}), built on first use. Whole-object reads
 * ({@link #readAllBytes}: the images, one small object each) and listings take a leaner path with the same
 * semantics, {@link S3Get}: SigV4-signed GETs on pooled keep-alive sockets, which cost a fresh executor far less
 * CPU per image than the SDK's request pipeline, so a run that only lists and reads S3 never builds the SDK client;
 * {@code -Dorchard.s3.get=sdk} sends them through the SDK client too.
 *
 * <p><b>Credentials</b> come only from the SDK's default provider chain (system properties
 * {@code aws.accessKeyId}/{@code aws.secretAccessKey}, environment {@code AWS_ACCESS_KEY_ID}/{@code
 * AWS_SECRET_ACCESS_KEY}, {@code ~/.aws} profile, container or instance role); they are never logged
 * and never part of an exception message.
 *
 * <p><b>Retries:</b> the SDK's standard retry strategy with {@link StorageOptions#maxAttempts()}
 * attempts and exponential backoff with jitter. It retries throttling (503 SlowDown and the other
 * throttling codes, with a longer backoff), 500/502/503/504 and I/O errors (connection refused or
 * reset, timeouts). The retry-quota circuit breaker is off, so a throttled executor keeps backing
 * off instead of failing fast on its 20th retry.
 *
 * <p><b>Atomicity:</b> a PUT or a completed multipart upload replaces the object at once, so
 * {@link #upload} and {@link #write} never expose a partial object.
 *
 * <p><b>Lifecycle:</b> thread-safe. {@link Storages#forUri} keeps one instance per JVM per options
 * and never closes it (it lives as long as the executor). Whoever builds one directly (tests,
 * {@link Preflight}) closes it, which releases the HTTP connection pool.
 */
final class S3Storage implements Storage, AutoCloseable {

    /** Files above this size are uploaded in parts. */
    static final long DEFAULT_MULTIPART_THRESHOLD = 64L << 20;
    /** Part size for multipart uploads (each part is buffered in memory while it is sent). */
    static final int DEFAULT_PART_SIZE = 64 << 20;
    /** S3's smallest allowed part (except the last). */
    static final int MIN_PART_SIZE = 5 << 20;
    /** S3's largest number of parts in one upload. */
    static final int MAX_PARTS = 10_000;
    /** Keys per ListObjectsV2 page and per DeleteObjects call: S3's maximum for both. */
    static final int PAGE_SIZE = 1_000;
    /** Threads that list top-level prefixes in parallel. */
    static final int LIST_THREADS = 8;

    private final StorageOptions options;
    /** The SDK client, built on first use: a run that only reads and lists never loads it ({@link #s3()}). */
    private volatile S3Client s3;
    private final java.util.function.Supplier<S3Client> client;
    private boolean closed;
    /** The images' read path ({@link S3Get}), or {@code null} where the SDK's GET is used. */
    private final S3Get get;
    private final S3HttpClients.Choice http;
    private final SdkAutoCloseable ownedCredentials;
    private final long multipartThreshold;
    private final int partSize;

    /** Production constructor: credentials from the SDK's default provider chain. */
    S3Storage(StorageOptions options) {
        this(options, DefaultCredentialsProvider.builder().build(), true,
                DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, List.of());
    }

    /**
     * For tests: explicit credentials (not closed by {@link #close}) and multipart sizes.
     *
     * @param multipartThreshold files larger than this many bytes are uploaded in parts
     * @param partSize           bytes per part, at least {@link #MIN_PART_SIZE}
     */
    S3Storage(StorageOptions options, AwsCredentialsProvider credentials, long multipartThreshold,
              int partSize) {
        this(options, credentials, false, multipartThreshold, partSize, List.of());
    }

    /** For tests: as above, plus SDK interceptors that watch (or disturb) each request. */
    S3Storage(StorageOptions options, AwsCredentialsProvider credentials, long multipartThreshold,
              int partSize, List<ExecutionInterceptor> interceptors) {
        this(options, credentials, false, multipartThreshold, partSize, interceptors);
    }

    private S3Storage(StorageOptions options, AwsCredentialsProvider credentials, boolean ownsCredentials,
                      long multipartThreshold, int partSize, List<ExecutionInterceptor> interceptors) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("partSize must be >= " + MIN_PART_SIZE + " bytes but was " + partSize);
        }
        if (multipartThreshold < 0) {
            throw new IllegalArgumentException("multipartThreshold must be >= 0 but was " + multipartThreshold);
        }
        this.options = options;
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
        this.ownedCredentials = ownsCredentials && credentials instanceof SdkAutoCloseable c ? c : null;
        this.http = S3HttpClients.choice();
        S3EndpointProvider endpoints = new CachingS3EndpointProvider(S3EndpointProvider.defaultProvider());
        if (options.endpoint() != null) {
            endpointUri(options.endpoint()); // a bad --s3-endpoint fails here, not at the first request
        }
        this.client = () -> buildClient(options, credentials, http, endpoints, interceptors);
        this.get = S3Get.enabled() ? new S3Get(options, credentials, endpoints) : null;
    }

    private static S3Client buildClient(StorageOptions options, AwsCredentialsProvider credentials,
                                        S3HttpClients.Choice http, S3EndpointProvider endpoints,
                                        List<ExecutionInterceptor> interceptors) {
        RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(options.maxAttempts())
                .circuitBreakerEnabled(false)
                .build();
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder().retryStrategy(retry);
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(options.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(http)
                .forcePathStyle(options.pathStyle())
                .endpointProvider(endpoints);
        if (options.endpoint() != null) {
            builder.endpointOverride(endpointUri(options.endpoint()))
                    // S3-compatible servers (S3Proxy, older MinIO, Ceph) reject the flexible
                    // checksums the SDK sends to AWS by default; only send them where required.
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            override.addExecutionInterceptor(new ContentMd5Interceptor());
        }
        override.addExecutionInterceptor(new S3HttpClients.UnframedBodyGuard(http));
        interceptors.forEach(override::addExecutionInterceptor);
        return builder.overrideConfiguration(override.build()).build();
    }

    private static URI endpointUri(String endpoint) {
        try {
            URI uri = new URI(endpoint);
            if (uri.getHost() == null
                    || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                throw new URISyntaxException(endpoint, "expected http(s)://host[:port]");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new StorageException(endpoint, "Invalid S3 endpoint '" + endpoint
                    + "': check --s3-endpoint (expected http(s)://host[:port])", e);
        }
    }

    StorageOptions options() {
        return options;
    }

    /** The SDK client, built on first use (thread-safe). */
    private S3Client s3() {
        S3Client c = s3;
        if (c == null) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("S3 storage is closed");
                }
                c = s3;
                if (c == null) {
                    c = client.get();
                    s3 = c;
                }
            }
        }
        return c;
    }

    /** Whether the SDK client has been built (for tests: a run that only lists and reads never builds it). */
    synchronized boolean sdkClientBuilt() {
        return s3 != null;
    }

    /**
     * The SDK client's HTTP client: {@code AwsCommonRuntime} or {@code Apache} ({@link S3HttpClients}); builds the
     * SDK client if it was not yet.
     */
    String httpClientName() {
        s3();
        return http.built();
    }

    /** Whether whole-object reads take the lean path ({@link S3Get}) rather than the SDK client's GET. */
    boolean leanReads() {
        return get != null;
    }

    // ---------------------------------------------------------------- listing

    @Override
    public List<StoredObject> list(String prefixUri) {
        S3Uri where = S3Uri.parse(prefixUri);
        List<StoredObject> out = listUnder(where);
        if (out.isEmpty()) {
            throw new StorageException(prefixUri, "No objects under " + prefixUri
                    + ": check --input (S3 keys are case-sensitive) and --region");
        }
        return out;
    }

    /**
     * Every object under the "directory" {@code where} (key + {@code /}): first one delimited
     * listing of the top level, then each top-level prefix (a class folder) listed in parallel.
     * Empty when nothing is there.
     */
    private List<StoredObject> listUnder(S3Uri where) {
        String prefix = where.dirPrefix();
        List<StoredObject> out = new ArrayList<>();
        List<String> subPrefixes = new ArrayList<>();
        String token = null;
        do {
            ListPage page = page(where, prefix, "/", null, token, PAGE_SIZE);
            page.objects().forEach(o -> out.add(stored(where, o)));
            subPrefixes.addAll(page.commonPrefixes());
            token = page.nextToken();
        } while (token != null);
        if (subPrefixes.size() <= 1) {
            for (String p : subPrefixes) {
                out.addAll(listRecursive(where, p));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(LIST_THREADS, subPrefixes.size()),
                daemonThreads("orchard-s3-list"));
        try {
            List<Future<List<StoredObject>>> parts = new ArrayList<>();
            for (String p : subPrefixes) {
                parts.add(pool.submit(() -> listRecursive(where, p)));
            }
            for (Future<List<StoredObject>> part : parts) {
                out.addAll(part.get());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new StorageException(where.toString(), "Cannot list " + where + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(where.toString(), "Interrupted while listing " + where, e);
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    private List<StoredObject> listRecursive(S3Uri where, String keyPrefix) {
        List<StoredObject> out = new ArrayList<>();
        S3Uri under = new S3Uri(where.bucket(), keyPrefix);
        String token = null;
        do {
            ListPage page = page(under, keyPrefix, null, null, token, PAGE_SIZE);
            page.objects().forEach(o -> out.add(stored(where, o)));
            token = page.nextToken();
        } while (token != null);
        return out;
    }

    private static StoredObject stored(S3Uri where, ListPage.Entry o) {
        return new StoredObject(where.uriOf(o.key()), o.size(), o.etag());
    }

    /**
     * One ListObjectsV2 page: on the lean path ({@link S3Get#list}) where reads take it, else through the SDK
     * client. Failures are worded by {@link #failure} with {@code where} as the URI.
     */
    private ListPage page(S3Uri where, String prefix, String delimiter, String startAfter, String token, int maxKeys) {
        try {
            ListPage lean = get == null ? null : get.list(where.bucket(), prefix, delimiter, startAfter, token, maxKeys);
            if (lean != null) {
                return lean;
            }
            ListObjectsV2Response page = s3().listObjectsV2(b -> {
                b.bucket(where.bucket()).prefix(prefix).maxKeys(maxKeys);
                if (delimiter != null) {
                    b.delimiter(delimiter);
                }
                if (token != null) {
                    b.continuationToken(token);
                }
                if (startAfter != null) {
                    b.startAfter(startAfter);
                }
            });
            List<ListPage.Entry> objects = new ArrayList<>(page.contents().size());
            for (S3Object o : page.contents()) {
                objects.add(new ListPage.Entry(o.key(), o.size() == null ? 0 : o.size(),
                        o.eTag() == null ? "" : o.eTag().replace("\"", "")));
            }
            List<String> prefixes = new ArrayList<>(page.commonPrefixes().size());
            page.commonPrefixes().forEach(p -> prefixes.add(p.prefix()));
            return new ListPage(objects, prefixes,
                    Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null);
        } catch (SdkException e) {
            throw failure("list", where, e);
        }
    }

    @Override
    public PrefixLevel listLevel(String prefixUri, long maxDirectObjects) {
        S3Uri where = S3Uri.parse(prefixUri);
        List<String> children = new ArrayList<>();
        long direct = 0;
        boolean flat = false;
        String token = null;
        do {
            ListPage page = page(where, where.dirPrefix(), "/", null, token, PAGE_SIZE);
            page.commonPrefixes().forEach(p -> children.add(where.uriOf(stripSlash(p))));
            direct += page.objects().size();
            if (direct > maxDirectObjects) {
                flat = true;
                break;
            }
            token = page.nextToken();
        } while (token != null);
        if (children.isEmpty() && direct == 0) {
            throw new StorageException(prefixUri, "No objects under " + prefixUri
                    + ": check --input (S3 keys are case-sensitive) and --region");
        }
        children.sort(null);
        return new PrefixLevel(children, direct, flat);
    }

    private static String stripSlash(String keyPrefix) {
        return keyPrefix.endsWith("/") ? keyPrefix.substring(0, keyPrefix.length() - 1) : keyPrefix;
    }

    /**
     * Pages through ListObjectsV2 (1,000 keys a page) from the range's {@code StartAfter} and stops at the first
     * key past its upper bound, so a range costs its own pages only. Key order is S3's (UTF-8 bytes); the bounds
     * Orchard makes are ASCII, for which Java's {@code String} order agrees.
     */
    @Override
    public void listRange(KeyRange range, Consumer<StoredObject> sink) {
        S3Uri where = S3Uri.parse(range.prefixUri());
        String prefix = where.dirPrefix();
        String startAfter = range.startAfter() == null ? null : S3Uri.parse(range.startAfter()).key();
        String token = null;
        do {
            // StartAfter on the first request only (S3-compatible servers such as S3Proxy refuse StartAfter
            // together with a continuation token; S3 ignores it then anyway).
            ListPage page = page(where, prefix, range.recursive() ? null : "/",
                    token == null && startAfter != null && startAfter.compareTo(prefix) > 0 ? startAfter : null,
                    token, PAGE_SIZE);
            for (ListPage.Entry o : page.objects()) {
                StoredObject stored = stored(where, o);
                if (range.upTo() != null && stored.uri().compareTo(range.upTo()) > 0) {
                    return;
                }
                if (range.inBounds(stored.uri())) {
                    sink.accept(stored);
                }
            }
            token = page.nextToken();
        } while (token != null);
    }

    /** Whether at least one object has a key under the "directory" {@code where}. */
    boolean hasAnyUnder(S3Uri where) {
        ListPage page = page(where, where.dirPrefix(), null, null, null, 1);
        return !page.objects().isEmpty();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public byte[] readAllBytes(String uri) throws IOException {
        S3Uri where = S3Uri.parse(uri);
        try {
            byte[] lean = get == null ? null : get.get(where.bucket(), where.key());
            return lean != null ? lean : s3().getObject(b -> b.bucket(where.bucket()).key(where.key()), S3Storage::body);
        } catch (NoSuchKeyException e) {
            throw noSuchFile(uri, e);
        } catch (SdkException e) {
            throw failure("read", where, e);
        }
    }

    /**
     * The whole body in one array of exactly its length: one copy from the socket, where the SDK's
     * {@code toBytes()} and {@code asByteArray()} copy it three more times. As a response transformer
     * (not a stream handed out), a body cut short is retried like any other I/O error.
     */
    private static byte[] body(GetObjectResponse response, InputStream in) throws IOException {
        Long length = response.contentLength();
        if (length == null || length < 0 || length > Integer.MAX_VALUE - 8) {
            return in.readAllBytes();
        }
        byte[] bytes = in.readNBytes(length.intValue());
        if (bytes.length < length) {
            throw new java.io.EOFException("S3 object body ended after " + bytes.length + " of " + length + " bytes");
        }
        if (in.read() != -1) { // reading to the end also lets a checksum-validating stream check
            throw new IOException("S3 object body longer than its Content-Length " + length);
        }
        return bytes;
    }

    @Override
    public InputStream open(String uri) throws IOException {
        S3Uri where = S3Uri.parse(uri);
        try {
            return s3().getObject(b -> b.bucket(where.bucket()).key(where.key()));
        } catch (NoSuchKeyException e) {
            throw noSuchFile(uri, e);
        } catch (SdkException e) {
            throw failure("read", where, e);
        }
    }

    private static NoSuchFileException noSuchFile(String uri, Exception cause) {
        NoSuchFileException e = new NoSuchFileException(uri, null, "no such object");
        e.initCause(cause);
        return e;
    }

    @Override
    public boolean exists(String uri) {
        S3Uri where = S3Uri.parse(uri);
        if (where.key().isEmpty()) {
            return false;
        }
        try {
            s3().headObject(b -> b.bucket(where.bucket()).key(where.key()));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("check", where, e);
        } catch (SdkException e) {
            throw failure("check", where, e);
        }
    }

    @Override
    public boolean isEmptyPrefix(String prefixUri) {
        S3Uri where = S3Uri.parse(prefixUri);
        if (hasAnyUnder(where)) {
            return false;
        }
        // Like a local file: an object exactly at the URI is not an empty prefix either.
        return where.key().isEmpty() || where.key().endsWith("/") || !exists(prefixUri);
    }

    // ---------------------------------------------------------------- writing

    @Override
    public void write(String uri, byte[] bytes) {
        S3Uri where = S3Uri.parse(uri);
        try {
            s3().putObject(putRequest(where), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("write", where, e);
        }
    }

    @Override
    public void upload(Path localFile, String uri) throws IOException {
        S3Uri where = S3Uri.parse(uri);
        long size = Files.size(localFile);
        try {
            if (size <= multipartThreshold) {
                s3().putObject(putRequest(where), RequestBody.fromFile(localFile));
            } else {
                multipartUpload(localFile, size, where);
            }
        } catch (SdkException e) {
            throw failure("write", where, e);
        }
    }

    private PutObjectRequest putRequest(S3Uri where) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(where.bucket()).key(where.key());
        if (options.sse() != null) {
            b.serverSideEncryption(sseMode()).ssekmsKeyId(options.sseKmsKeyId());
        }
        return b.build();
    }

    private ServerSideEncryption sseMode() {
        return StorageOptions.SSE_KMS.equals(options.sse()) ? ServerSideEncryption.AWS_KMS : ServerSideEncryption.AES256;
    }

    /**
     * Sends the file in parts, one at a time, each read into one reused buffer so the SDK can
     * resend it on a retry; the object appears only when the upload completes, and a failed upload
     * is aborted so no parts linger (and cost).
     */
    private void multipartUpload(Path localFile, long size, S3Uri where) throws IOException {
        // S3 allows at most 10,000 parts: grow the part for very large files.
        long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
        int part = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(partSize, needed));
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(where.bucket()).key(where.key());
        if (options.sse() != null) {
            create.serverSideEncryption(sseMode()).ssekmsKeyId(options.sseKmsKeyId());
        }
        String uploadId = s3().createMultipartUpload(create.build()).uploadId();
        try (FileChannel in = FileChannel.open(localFile, StandardOpenOption.READ)) {
            byte[] buffer = new byte[(int) Math.min(part, size)];
            List<CompletedPart> done = new ArrayList<>();
            long offset = 0;
            for (int number = 1; offset < size; number++) {
                int length = (int) Math.min(part, size - offset);
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, length);
                while (bb.hasRemaining()) {
                    if (in.read(bb, offset + bb.position()) < 0) {
                        throw new IOException(localFile + " shrank while it was uploaded to " + where);
                    }
                }
                int n = number;
                String etag = s3().uploadPart(b -> b.bucket(where.bucket()).key(where.key())
                                .uploadId(uploadId).partNumber(n).contentLength((long) length),
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length),
                                length, "application/octet-stream")).eTag();
                done.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
                offset += length;
            }
            s3().completeMultipartUpload(b -> b.bucket(where.bucket()).key(where.key()).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(done)));
        } catch (IOException | RuntimeException e) {
            try {
                s3().abortMultipartUpload(b -> b.bucket(where.bucket()).key(where.key()).uploadId(uploadId));
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- deleting

    @Override
    public void delete(String uri) {
        S3Uri where = S3Uri.parse(uri);
        try {
            s3().deleteObject(b -> b.bucket(where.bucket()).key(where.key()));
        } catch (SdkException e) {
            throw failure("delete", where, e);
        }
    }

    @Override
    public void deleteRecursively(String prefixUri) {
        S3Uri where = S3Uri.parse(prefixUri);
        List<String> keys = new ArrayList<>();
        for (StoredObject o : listUnder(where)) {
            keys.add(S3Uri.parse(o.uri()).key());
        }
        if (!where.key().isEmpty() && !where.key().endsWith("/")) {
            keys.add(where.key()); // like a local file: the object at the URI itself goes too
        }
        for (int from = 0; from < keys.size(); from += PAGE_SIZE) {
            List<ObjectIdentifier> batch = new ArrayList<>();
            for (String key : keys.subList(from, Math.min(keys.size(), from + PAGE_SIZE))) {
                batch.add(ObjectIdentifier.builder().key(key).build());
            }
            DeleteObjectsResponse response;
            try {
                response = s3().deleteObjects(b -> b.bucket(where.bucket())
                        .delete(d -> d.objects(batch).quiet(true)));
            } catch (SdkException e) {
                throw failure("delete", where, e);
            }
            if (response.hasErrors() && !response.errors().isEmpty()) {
                S3Error first = response.errors().get(0);
                throw new StorageException(prefixUri, "Cannot delete " + response.errors().size() + " objects under "
                        + prefixUri + ", e.g. " + where.uriOf(first.key()) + ": " + first.code() + " "
                        + first.message() + ": check s3:DeleteObject permission");
            }
        }
    }

    // ---------------------------------------------------------------- errors

    /**
     * One line naming the URI, the cause and what to do. Never includes credentials: only the
     * status, the error code and the endpoint.
     */
    StorageException failure(String action, S3Uri where, SdkException e) {
        String uri = where.toString();
        if (e instanceof S3Exception s3e) {
            int status = s3e.statusCode();
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            if ("NoSuchBucket".equals(code)) {
                return new StorageException(uri, "S3 bucket '" + where.bucket() + "' does not exist in region "
                        + options.region() + " at " + endpointName() + ": check the URI and --region", e);
            }
            if (status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                String why = "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
                        ? "credentials rejected" : "access denied";
                return new StorageException(uri, "Cannot " + action + " " + uri + ": " + why + " (HTTP " + status
                        + (code == null ? "" : " " + code) + "): check AWS credentials (default provider chain: "
                        + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws.accessKeyId/aws.secretAccessKey, "
                        + "~/.aws profile, instance role) and the bucket policy", e);
            }
            if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
                return new StorageException(uri, "S3 bucket '" + where.bucket() + "' is not in region "
                        + options.region() + " (HTTP " + status + (code == null ? "" : " " + code)
                        + "): pass the bucket's region with --region", e);
            }
            String detail = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorMessage();
            boolean retried = status == 500 || status == 502 || status == 503 || status == 504;
            return new StorageException(uri, "Cannot " + action + " " + uri + ": HTTP " + status
                    + (code == null ? "" : " " + code) + (detail == null ? "" : " (" + detail.strip() + ")")
                    + " from " + endpointName()
                    + (retried ? " after " + options.maxAttempts() + " attempts: retry later" : "")
                    + (status == 501 ? ": the server does not support this request"
                            + (options.sse() != null ? " (server-side encryption is set: try without --sse)" : "") : ""),
                    e);
        }
        Throwable io = ioCause(e);
        if (io != null) {
            String why = ioReason(io);
            boolean tls = endpointName().regionMatches(true, 0, "https:", 0, 6);
            return new StorageException(uri, "Cannot reach S3 endpoint " + endpointName() + " to " + action + " "
                    + uri + " (" + why + ", " + options.maxAttempts() + " attempts): check --s3-endpoint / network"
                    + (tls && why.contains("failed to acquire a connection within")
                            ? " and that the server's TLS certificate is trusted (the AWS CRT HTTP client trusts the "
                            + "system CA store and SSL_CERT_FILE/SSL_CERT_DIR; -D" + S3HttpClients.PROPERTY
                            + "=apache trusts the JVM's)" : ""), e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("Unable to load credentials")) {
            return new StorageException(uri, "Cannot " + action + " " + uri + ": no AWS credentials found: set "
                    + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a ~/.aws profile or an instance role", e);
        }
        return new StorageException(uri, "Cannot " + action + " " + uri + " at " + endpointName() + ": "
                + e.getClass().getSimpleName() + ": " + message, e);
    }

    /**
     * The I/O error in a few words: its class and message, plus the message of what caused it where that
     * adds something (the CRT client wraps "socket connection refused." in "An exception occurred when
     * acquiring a connection").
     */
    private static String ioReason(Throwable io) {
        String message = io.getMessage() == null ? null : io.getMessage().strip();
        String why = io.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        Throwable under = io.getCause();
        if (under != null && under != io && under.getMessage() != null) {
            String more = under.getMessage().strip().replaceAll("\\.$", "");
            if (!more.isEmpty() && (message == null || !message.contains(more))) {
                why += ": " + more;
            }
        }
        return why.lines().findFirst().orElse(why);
    }

    private static Throwable ioCause(Throwable e) {
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IOException) {
                return t;
            }
        }
        return null;
    }

    private String endpointName() {
        return options.endpoint() != null ? options.endpoint()
                : "https://s3." + options.region() + ".amazonaws.com";
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Closes the HTTP connection pool (and the default credential chain it created). */
    @Override
    public void close() {
        if (get != null) {
            get.close();
        }
        S3Client built;
        synchronized (this) {
            closed = true;
            built = s3;
        }
        if (built != null) {
            built.close();
        }
        if (ownedCredentials != null) {
            ownedCredentials.close();
        }
    }

    @Override
    public String toString() {
        return "S3Storage[" + endpointName() + ", region " + options.region() + ", " + (http.built() == null ? "SDK client not built yet" : http.built() + " HTTP")
                + (get != null ? ", lean GET and list" : "") + "]";
    }
}
