package dev.orchard.storage;

import java.io.Serializable;
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
 */
public record StorageOptions(String region, String endpoint, boolean pathStyle, int maxAttempts)
        implements Serializable {

    /** Paris: the seeds' EU region (GDPR). */
    public static final String DEFAULT_REGION = "eu-west-3";

    public StorageOptions {
        Objects.requireNonNull(region, "region");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
        }
    }

    public static StorageOptions defaults() {
        return new StorageOptions(DEFAULT_REGION, null, false, 8);
    }

    public StorageOptions withEndpoint(String url) {
        return new StorageOptions(region, url, url != null, maxAttempts);
    }

    public StorageOptions withRegion(String name) {
        return new StorageOptions(name, endpoint, pathStyle, maxAttempts);
    }
}
