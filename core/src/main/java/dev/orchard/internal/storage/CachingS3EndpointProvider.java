package dev.orchard.internal.storage;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * The SDK's S3 endpoint rules, evaluated once per bucket and client settings instead of once per
 * request. The rules engine ran on every GET (~7 % of a small GET's client CPU in a JFR profile, and
 * a large body of code to interpret and JIT-compile at start). The rules of the SDK this build ships
 * (2.31) read only the parameters in {@link Key}: never the object key, prefix, copy source or the
 * keys of a DeleteObjects; those are left out of the cache key, so the cache returns exactly what
 * the rules would. {@code CachingS3EndpointProviderTest} checks that against the SDK's provider.
 * A failed resolution is not cached. At most {@link #MAX_ENTRIES} entries (one per bucket in
 * practice); past that the cache starts over.
 */
final class CachingS3EndpointProvider implements S3EndpointProvider {

    static final int MAX_ENTRIES = 1_024;

    /** Every {@link S3EndpointParams} the rules read. */
    record Key(String bucket, Region region, Boolean useFips, Boolean useDualStack, String endpoint,
               Boolean forcePathStyle, Boolean accelerate, Boolean useGlobalEndpoint,
               Boolean useObjectLambdaEndpoint, Boolean disableAccessPoints,
               Boolean disableMultiRegionAccessPoints, Boolean useArnRegion,
               Boolean useS3ExpressControlEndpoint, Boolean disableS3ExpressSessionAuth) {

        static Key of(S3EndpointParams p) {
            return new Key(p.bucket(), p.region(), p.useFips(), p.useDualStack(), p.endpoint(),
                    p.forcePathStyle(), p.accelerate(), p.useGlobalEndpoint(), p.useObjectLambdaEndpoint(),
                    p.disableAccessPoints(), p.disableMultiRegionAccessPoints(), p.useArnRegion(),
                    p.useS3ExpressControlEndpoint(), p.disableS3ExpressSessionAuth());
        }
    }

    private final S3EndpointProvider rules;
    private final ConcurrentHashMap<Key, Endpoint> cache = new ConcurrentHashMap<>();

    CachingS3EndpointProvider(S3EndpointProvider rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public CompletableFuture<Endpoint> resolveEndpoint(S3EndpointParams params) {
        Key key = Key.of(params);
        Endpoint cached = cache.get(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return rules.resolveEndpoint(params).thenApply(endpoint -> {
            if (cache.size() >= MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(key, endpoint);
            return endpoint;
        });
    }

    /** Parameter names the cache key leaves out, for the test. */
    static List<String> ignoredParams() {
        return List.of("key", "prefix", "copySource", "deleteObjectKeys");
    }
}
