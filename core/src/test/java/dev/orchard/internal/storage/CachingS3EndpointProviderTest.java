package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

class CachingS3EndpointProviderTest {

    private final S3EndpointProvider rules = S3EndpointProvider.defaultProvider();

    @Test
    void cacheKeyCoversEveryParameterTheSdkHasExceptTheObjectKeys() {
        // A new S3EndpointParams parameter in an SDK upgrade fails here until the cache key has it.
        Set<String> params = Arrays.stream(S3EndpointParams.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getParameterCount() == 0 && !m.getName().equals("toBuilder"))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = Arrays.stream(CachingS3EndpointProvider.Key.class.getRecordComponents())
                .map(RecordComponent::getName).collect(Collectors.toCollection(TreeSet::new));
        covered.addAll(CachingS3EndpointProvider.ignoredParams());
        assertEquals(params, covered);
    }

    @Test
    void sameEndpointAsTheRulesForAwsAndS3CompatibleServers() {
        CachingS3EndpointProvider cached = new CachingS3EndpointProvider(rules);
        List<S3EndpointParams> cases = List.of(
                params("images", Region.EU_WEST_3, null, false, "Apple/r0_1.jpg"),
                params("images", Region.EU_WEST_3, null, false, "Banana/r1 two+%.jpg"),
                params("my.dotted.bucket", Region.EU_WEST_3, null, false, "a/b.jpg"),
                params("images", Region.US_EAST_1, null, false, "k"),
                params("images", Region.EU_WEST_3, "http://127.0.0.1:9000", true, "Apple/x.jpg"),
                params("other", Region.EU_WEST_3, "https://127.0.0.1:9443", true, "Pear/y.jpg"));
        for (int pass = 0; pass < 2; pass++) { // second pass: served from the cache
            for (S3EndpointParams p : cases) {
                Endpoint expected = rules.resolveEndpoint(p).join();
                Endpoint actual = cached.resolveEndpoint(p).join();
                assertEquals(expected.url(), actual.url(), p.toString());
                assertEquals(expected.headers(), actual.headers(), p.toString());
                assertEquals(String.valueOf(expected.attribute(software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES)),
                        String.valueOf(actual.attribute(software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute.AUTH_SCHEMES)));
            }
        }
    }

    @Test
    void objectKeyDoesNotChangeTheEndpointSoOneEntryServesABucket() {
        CachingS3EndpointProvider cached = new CachingS3EndpointProvider(rules);
        Endpoint first = cached.resolveEndpoint(params("images", Region.EU_WEST_3, null, false, "a.jpg")).join();
        Endpoint second = cached.resolveEndpoint(params("images", Region.EU_WEST_3, null, false, "b/c.jpg")).join();
        assertSame(first, second);
        assertEquals("https://images.s3.eu-west-3.amazonaws.com", first.url().toString());
        Endpoint other = cached.resolveEndpoint(params("other", Region.EU_WEST_3, null, false, "a.jpg")).join();
        assertEquals("https://other.s3.eu-west-3.amazonaws.com", other.url().toString());
    }

    @Test
    void failuresAreNotCached() {
        CachingS3EndpointProvider cached = new CachingS3EndpointProvider(rules);
        // FIPS with a custom endpoint is invalid in the rules: an error each time, never a cached value
        S3EndpointParams bad = S3EndpointParams.builder().bucket("images").region(Region.EU_WEST_3)
                .endpoint("http://127.0.0.1:9000").useFips(true).forcePathStyle(true).build();
        assertThrows(CompletionException.class, () -> cached.resolveEndpoint(bad).join());
        assertThrows(CompletionException.class, () -> cached.resolveEndpoint(bad).join());
    }

    private static S3EndpointParams params(String bucket, Region region, String endpoint, boolean pathStyle,
                                           String key) {
        return S3EndpointParams.builder().bucket(bucket).region(region).endpoint(endpoint)
                .forcePathStyle(pathStyle).useFips(false).useDualStack(false).accelerate(false)
                .key(key).build();
    }
}
