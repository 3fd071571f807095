package dev.orchard.internal.storage;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 GET requests without a body, as {@link S3Get} sends them: signed headers
 * {@code host}, {@code x-amz-content-sha256} (the SHA-256 of the empty payload), {@code x-amz-date} and, when
 * present, {@code x-amz-checksum-mode} and {@code x-amz-security-token}; the query string already in canonical
 * form (ListObjectsV2's parameters). The path is signed as
 * sent, encoded once and never normalised (S3's rules: {@code a//b} and {@code ./} are distinct keys).
 *
 * <p>The signing key (four HMACs over date, region, service and {@code aws4_request}) is derived once per day,
 * region and secret and reused, so a request costs one SHA-256 of the canonical request and one HMAC.
 * {@code SigV4Test} checks the {@code Authorization} header against the AWS SDK's own {@code AwsV4HttpSigner}
 * for the same request and clock. Thread-safe: each thread keeps its own {@link Mac} and digest.
 */
final class SigV4 {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** Hex SHA-256 of zero bytes: the payload hash of a GET. */
    static final String EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    });

    /** A derived signing key, valid for one date, region and secret. */
    private record SigningKey(String date, String region, String secret, byte[] key) { }

    private volatile SigningKey signingKey;

    /**
     * The headers to send with a signed GET.
     *
     * @param accessKeyId   the credentials' access key id
     * @param secretKey     the credentials' secret
     * @param sessionToken  the session token of temporary credentials, or {@code null}
     * @param region        the signing region
     * @param hostHeader    the {@code Host} header exactly as sent ({@code host} or {@code host:port})
     * @param path          the request path exactly as sent (percent-encoded, starting with {@code /})
     * @param query         the query string exactly as sent, in canonical form (parameters sorted by name, names
     *                      and values encoded by {@link #encodeQuery}), or {@code ""}
     * @param amzDate       the request time, {@code yyyyMMdd'T'HHmmss'Z'} in UTC
     * @param checksumMode  whether {@code x-amz-checksum-mode: ENABLED} is sent (asks S3 for stored checksums)
     * @return the value of the {@code Authorization} header
     */
    String authorization(String accessKeyId, String secretKey, String sessionToken, String region,
                         String hostHeader, String path, String query, String amzDate, boolean checksumMode) {
        String date = amzDate.substring(0, 8);
        String signedHeaders = "host;" + (checksumMode ? "x-amz-checksum-mode;" : "")
                + "x-amz-content-sha256;x-amz-date" + (sessionToken != null ? ";x-amz-security-token" : "");
        StringBuilder canonical = new StringBuilder(256 + path.length());
        canonical.append("GET\n").append(path).append('\n').append(query).append('\n')
                .append("host:").append(hostHeader).append('\n');
        if (checksumMode) {
            canonical.append("x-amz-checksum-mode:ENABLED\n");
        }
        canonical.append("x-amz-content-sha256:").append(EMPTY_PAYLOAD_SHA256).append('\n')
                .append("x-amz-date:").append(amzDate).append('\n');
        if (sessionToken != null) {
            canonical.append("x-amz-security-token:").append(sessionToken.strip()).append('\n');
        }
        canonical.append('\n').append(signedHeaders).append('\n').append(EMPTY_PAYLOAD_SHA256);
        String scope = date + "/" + region + "/s3/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.toString()));
        String signature = hex(hmac(key(date, region, secretKey), toSign));
        return ALGORITHM + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature;
    }

    private byte[] key(String date, String region, String secret) {
        SigningKey k = signingKey;
        if (k == null || !k.date.equals(date) || !k.region.equals(region) || !k.secret.equals(secret)) {
            byte[] kDate = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
            byte[] kRegion = hmac(kDate, region);
            byte[] kService = hmac(kRegion, "s3");
            k = new SigningKey(date, region, secret, hmac(kService, "aws4_request"));
            signingKey = k;
        }
        return k.key;
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(String data) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest.digest(data.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }

    /**
     * An S3 object key as a URL path: every UTF-8 byte percent-encoded except RFC 3986's unreserved characters
     * ({@code A-Z a-z 0-9 - _ . ~}) and {@code /}, upper-case hex: the form S3 signs and the SDK sends.
     */
    static String encodeKey(String key) {
        return encode(key, true);
    }

    /** A query parameter name or value: as {@link #encodeKey}, but {@code /} is encoded too. */
    static String encodeQuery(String value) {
        return encode(value, false);
    }

    private static String encode(String key, boolean keepSlash) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length + 16);
        for (byte b : utf8) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && keepSlash)) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(HEX[c >> 4])).append(Character.toUpperCase(HEX[c & 0xf]));
            }
        }
        return out.toString();
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'} of an epoch time in milliseconds, UTC. */
    static String amzDate(long epochMillis) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000L), 0,
                java.time.ZoneOffset.UTC);
        char[] out = new char[16];
        put(out, 0, t.getYear(), 4);
        put(out, 4, t.getMonthValue(), 2);
        put(out, 6, t.getDayOfMonth(), 2);
        out[8] = 'T';
        put(out, 9, t.getHour(), 2);
        put(out, 11, t.getMinute(), 2);
        put(out, 13, t.getSecond(), 2);
        out[15] = 'Z';
        return new String(out);
    }

    private static void put(char[] out, int at, int value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
