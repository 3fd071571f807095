package dev.orchard.internal.storage;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Checks a whole object body against the full-object checksum S3 returns with it when asked
 * ({@code x-amz-checksum-mode: ENABLED}): {@code x-amz-checksum-crc64nvme} (what S3 stores for every new object
 * since 2024), {@code -crc32}, {@code -crc32c}, {@code -sha1} or {@code -sha256}, each the base64 of the
 * big-endian checksum. A composite checksum of a multipart upload ({@code ...-N}, or
 * {@code x-amz-checksum-type: COMPOSITE}) is a checksum of part checksums that the body alone cannot be checked
 * against; like the AWS SDK, it is skipped. {@code BodyChecksumsTest} checks CRC64/NVME against the AWS CRT's.
 */
final class BodyChecksums {

    /** The response headers this class reads, lower case. */
    static final List<String> HEADERS = List.of("x-amz-checksum-crc64nvme", "x-amz-checksum-crc32",
            "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-checksum-sha1");

    private static final long CRC64_NVME_POLY_REFLECTED = 0x9a6c9329ac4bc9b5L;
    private static final long[] CRC64_NVME_TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ CRC64_NVME_POLY_REFLECTED : crc >>> 1;
            }
            CRC64_NVME_TABLE[i] = crc;
        }
    }

    private BodyChecksums() {
    }

    /**
     * Verifies {@code body} against the first full-object checksum header present.
     *
     * @param header        the value of the named response header, or {@code null} where absent
     * @param checksumType  the {@code x-amz-checksum-type} header, or {@code null}
     * @return {@code null} when the body matches or there is nothing to check, else one line saying which
     *         checksum differed
     */
    static String mismatch(byte[] body, java.util.function.Function<String, String> header, String checksumType) {
        if (checksumType != null && checksumType.toUpperCase(Locale.ROOT).equals("COMPOSITE")) {
            return null;
        }
        for (String name : HEADERS) {
            String expected = header.apply(name);
            if (expected == null || expected.isEmpty() || expected.contains("-")) {
                continue;
            }
            String actual = Base64.getEncoder().encodeToString(checksum(name, body));
            return actual.equals(expected.strip()) ? null
                    : "body checksum mismatch: " + name.substring("x-amz-checksum-".length()) + " of the "
                    + body.length + " bytes received is " + actual + ", S3 says " + expected.strip();
        }
        return null;
    }

    static byte[] checksum(String header, byte[] body) {
        switch (header) {
            case "x-amz-checksum-crc64nvme":
                return bigEndian(crc64Nvme(body), 8);
            case "x-amz-checksum-crc32": {
                CRC32 crc = new CRC32();
                crc.update(body);
                return bigEndian(crc.getValue(), 4);
            }
            case "x-amz-checksum-crc32c": {
                CRC32C crc = new CRC32C();
                crc.update(body);
                return bigEndian(crc.getValue(), 4);
            }
            case "x-amz-checksum-sha256":
                return digest("SHA-256", body);
            case "x-amz-checksum-sha1":
                return digest("SHA-1", body);
            default:
                throw new IllegalArgumentException("not a checksum header: " + header);
        }
    }

    /** CRC-64/NVME (reflected, polynomial 0xAD93D23594C93659, initial and final XOR all ones). */
    static long crc64Nvme(byte[] data) {
        long crc = -1L;
        for (byte b : data) {
            crc = CRC64_NVME_TABLE[(int) (crc ^ b) & 0xff] ^ (crc >>> 8);
        }
        return ~crc;
    }

    private static byte[] bigEndian(long value, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = bytes - 1; i >= 0; i--) {
            out[i] = (byte) value;
            value >>>= 8;
        }
        return out;
    }

    private static byte[] digest(String algorithm, byte[] body) {
        try {
            return MessageDigest.getInstance(algorithm).digest(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is not available in this JVM", e);
        }
    }
}
