package dev.orchard;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach storage: the S3 region and, for S3-compatible servers, an endpoint with path-style
 * addressing. Serializable so executors build the same client the driver used. Credentials are
 * never part of it: they come from the AWS SDK's default provider chain on every JVM.
 *
 * @param region        AWS region name, e.g. {@code eu-west-3}
 * @param endpoint      endpoint URL override for S3-compatible servers, or {@code null} for AWS
 * @param pathStyle     path-style addressing ({@code http://host/bucket/key}); on when an endpoint is set
 * @param maxAttempts   attempts per request, including the first, for retryable failures
 *                      (throttling such as 503 SlowDown, 5xx, connection errors)
 * @param sse           server-side encryption of written objects: {@code null} (the bucket's default),
 *                      {@link #SSE_AES256} (SSE-S3) or {@link #SSE_KMS} (SSE-KMS)
 * @param sseKmsKeyId   KMS key id or ARN for {@link #SSE_KMS}, or {@code null} for the account's
 *                      default {@code aws/s3} key; must be {@code null} unless {@code sse} is {@code kms}
 */
public record StorageOptions(String region, String endpoint, boolean pathStyle, int maxAttempts,
                             String sse, String sseKmsKeyId)
        implements Serializable {

    /** Paris: the seeds' EU region (GDPR). */
    public static final String DEFAULT_REGION = "eu-west-3";
    /** {@link #sse()} value for SSE-S3 (AES-256 keys managed by S3). */
    public static final String SSE_AES256 = "aes256";
    /** {@link #sse()} value for SSE-KMS. */
    public static final String SSE_KMS = "kms";

    public StorageOptions {
        Objects.requireNonNull(region, "region");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
        }
        if (sse != null) {
            sse = sse.toLowerCase(Locale.ROOT);
            if (!sse.equals(SSE_AES256) && !sse.equals(SSE_KMS)) {
                throw new IllegalArgumentException("sse must be '" + SSE_AES256 + "' or '" + SSE_KMS
                        + "' but was '" + sse + "'");
            }
        }
        if (sseKmsKeyId != null && !SSE_KMS.equals(sse)) {
            throw new IllegalArgumentException("sseKmsKeyId is only allowed with sse='" + SSE_KMS
                    + "' but sse was " + (sse == null ? "null" : "'" + sse + "'"));
        }
    }

    /** Options without server-side encryption settings (the bucket's default applies). */
    public StorageOptions(String region, String endpoint, boolean pathStyle, int maxAttempts) {
        this(region, endpoint, pathStyle, maxAttempts, null, null);
    }

    public static StorageOptions defaults() {
        return new StorageOptions(DEFAULT_REGION, null, false, 8);
    }

    public StorageOptions withEndpoint(String url) {
        return new StorageOptions(region, url, url != null, maxAttempts, sse, sseKmsKeyId);
    }

    public StorageOptions withRegion(String name) {
        return new StorageOptions(name, endpoint, pathStyle, maxAttempts, sse, sseKmsKeyId);
    }

    public StorageOptions withMaxAttempts(int attempts) {
        return new StorageOptions(region, endpoint, pathStyle, attempts, sse, sseKmsKeyId);
    }

    /** Server-side encryption for written objects; see {@link #sse()} and {@link #sseKmsKeyId()}. */
    public StorageOptions withSse(String mode, String kmsKeyId) {
        return new StorageOptions(region, endpoint, pathStyle, maxAttempts, mode, kmsKeyId);
    }
}
