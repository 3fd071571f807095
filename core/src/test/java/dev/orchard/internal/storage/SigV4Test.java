package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * {@link SigV4} against the AWS SDK's own SigV4 signer ({@code AwsV4HttpSigner}, as the S3 client configures it:
 * no double URL encoding, no path normalisation, signed payload): the same request at the same instant must get
 * the same {@code Authorization} header, for awkward keys, a host with a port, session credentials and the
 * checksum-mode header, and across a change of day (the cached signing key is re-derived).
 */
class SigV4Test {

    private static final List<String> KEYS = List.of("images/Apple Braeburn/0_100.jpg", "a+b=c&d.jpg",
            "per%20cent/é à ü/日本.jpg", "double//slash/./dot/../x.jpg", "~tilde_under-score.jpg", "sp ace/#hash?.jpg",
            "emoji/🍎.jpg", "*star*'quote'(paren)!.jpg");

    @Test
    void authorizationEqualsTheSdkSignersForAwkwardKeysHostsAndCredentials() {
        SigV4 ours = new SigV4();
        long[] instants = {Instant.parse("2026-11-29T23:59:58Z").toEpochMilli(),
                Instant.parse("2026-11-30T00:00:01Z").toEpochMilli()};
        int compared = 0;
        for (long when : instants) {
            for (String key : KEYS) {
                for (String host : List.of("bucket.s3.eu-west-3.amazonaws.com", "127.0.0.1:9000")) {
                    for (boolean session : new boolean[] {false, true}) {
                        for (boolean checksumMode : new boolean[] {false, true}) {
                            String path = (host.contains(":") ? "/bucket/" : "/") + SigV4.encodeKey(key);
                            String token = session ? "FwoGZXIvYXdzEBYaDHb+/token==" : null;
                            String expected = sdkAuthorization(host, path, null, token, checksumMode, when);
                            String actual = ours.authorization("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    token, "eu-west-3", host, path, "", SigV4.amzDate(when), checksumMode);
                            assertEquals(expected, actual, key + " at " + host + ", session " + session
                                    + ", checksum mode " + checksumMode);
                            compared++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * KEYS.size() * 2 * 2 * 2, compared);
    }

    @Test
    void listQueriesAreSignedAsTheSdkSignsThem() {
        SigV4 ours = new SigV4();
        long when = Instant.parse("2026-11-29T12:00:00Z").toEpochMilli();
        for (String prefix : KEYS) {
            // ListObjectsV2's parameters, sorted by name as the canonical query wants them
            java.util.Map<String, String> params = new java.util.TreeMap<>(java.util.Map.of("list-type", "2",
                    "max-keys", "1000", "prefix", prefix, "delimiter", "/", "continuation-token", "1ueGcxLPRx1Tr/X+=",
                    "start-after", prefix + "/0 1.jpg"));
            StringBuilder query = new StringBuilder();
            params.forEach((k, v) -> query.append(query.length() == 0 ? "" : "&").append(k).append('=')
                    .append(SigV4.encodeQuery(v)));
            for (String host : List.of("bucket.s3.eu-west-3.amazonaws.com", "127.0.0.1:9000")) {
                String path = host.contains(":") ? "/bucket" : "/";
                assertEquals(sdkAuthorization(host, path, params, null, false, when),
                        ours.authorization("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null, "eu-west-3",
                                host, path, query.toString(), SigV4.amzDate(when), false), prefix + " at " + host);
            }
        }
    }

    @Test
    void keysAreEncodedOnceWithSlashesKeptAndQueryValuesWithSlashesEncoded() {
        assertEquals("a/b%20c/%2B%3D%26/%25%2A/%C3%A9~-_.", SigV4.encodeKey("a/b c/+=&/%*/é~-_."));
        assertEquals("a%2Fb%20c%2F", SigV4.encodeQuery("a/b c/"));
    }

    @Test
    void amzDateIsUtcSeconds() {
        assertEquals("20261129T235958Z", SigV4.amzDate(Instant.parse("2026-11-29T23:59:58.999Z").toEpochMilli()));
        assertEquals("19700101T000000Z", SigV4.amzDate(0));
    }

    private static String sdkAuthorization(String host, String path, java.util.Map<String, String> query, String token,
                                           boolean checksumMode, long when) {
        int colon = host.indexOf(':');
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).protocol("https")
                .host(colon < 0 ? host : host.substring(0, colon)).encodedPath(path);
        if (colon >= 0) {
            request.protocol("http").port(Integer.parseInt(host.substring(colon + 1)));
        }
        if (checksumMode) {
            request.putHeader("x-amz-checksum-mode", "ENABLED");
        }
        if (query != null) {
            query.forEach(request::putRawQueryParameter);
        }
        AwsCredentialsIdentity identity = token == null
                ? AwsCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
                : AwsSessionCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(identity)
                .request(request.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(Instant.ofEpochMilli(when), ZoneOffset.UTC)));
        SdkHttpRequest out = signed.request();
        assertEquals(SigV4.EMPTY_PAYLOAD_SHA256, out.firstMatchingHeader("x-amz-content-sha256").orElse(null));
        assertEquals(SigV4.amzDate(when), out.firstMatchingHeader("X-Amz-Date").orElse(null));
        return out.firstMatchingHeader("Authorization").orElseThrow();
    }
}
