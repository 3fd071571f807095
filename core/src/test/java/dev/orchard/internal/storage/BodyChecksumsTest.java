package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.checksums.SdkChecksum;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.crt.checksums.CRC64NVME;

/**
 * {@link BodyChecksums} against independent implementations: CRC-64/NVME against its published check value and
 * the AWS CRT's native implementation, every algorithm against the AWS SDK's {@link SdkChecksum} (what the SDK's
 * GET validates with), for random bodies of many lengths.
 */
class BodyChecksumsTest {

    private static final Map<String, ChecksumAlgorithm> SDK = Map.of(
            "x-amz-checksum-crc64nvme", DefaultChecksumAlgorithm.CRC64NVME,
            "x-amz-checksum-crc32", DefaultChecksumAlgorithm.CRC32,
            "x-amz-checksum-crc32c", DefaultChecksumAlgorithm.CRC32C,
            "x-amz-checksum-sha256", DefaultChecksumAlgorithm.SHA256,
            "x-amz-checksum-sha1", DefaultChecksumAlgorithm.SHA1);

    @Test
    void crc64NvmeHasItsCheckValueAndEqualsTheCrts() {
        assertEquals(0xae8b14860a799888L, BodyChecksums.crc64Nvme("123456789".getBytes(StandardCharsets.US_ASCII)));
        Random random = new Random(17);
        for (int length : new int[] {0, 1, 7, 8, 9, 255, 4096, 7001, 100_003}) {
            byte[] body = new byte[length];
            random.nextBytes(body);
            CRC64NVME crt = new CRC64NVME();
            crt.update(body, 0, body.length);
            assertEquals(crt.getValue(), BodyChecksums.crc64Nvme(body), "length " + length);
        }
    }

    @Test
    void everyAlgorithmEqualsTheSdksAsS3EncodesIt() {
        Random random = new Random(3);
        for (int length : new int[] {0, 1, 100, 7001, 65_537}) {
            byte[] body = new byte[length];
            random.nextBytes(body);
            for (String header : BodyChecksums.HEADERS) {
                SdkChecksum sdk = SdkChecksum.forAlgorithm(SDK.get(header));
                sdk.update(body, 0, body.length);
                String expected = Base64.getEncoder().encodeToString(sdk.getChecksumBytes());
                assertEquals(expected, Base64.getEncoder().encodeToString(BodyChecksums.checksum(header, body)),
                        header + ", length " + length);
                assertNull(BodyChecksums.mismatch(body, h -> h.equals(header) ? expected : null, null));
            }
        }
    }

    @Test
    void aWrongChecksumIsOneLineAndCompositeOrAbsentOnesAreSkipped() {
        byte[] body = "an image".getBytes(StandardCharsets.US_ASCII);
        String mismatch = BodyChecksums.mismatch(body, h -> h.equals("x-amz-checksum-crc32") ? "AAAAAA==" : null, null);
        assertTrue(mismatch != null && mismatch.startsWith("body checksum mismatch: crc32 of the 8 bytes received is ")
                && mismatch.endsWith("S3 says AAAAAA=="), mismatch);
        assertNull(BodyChecksums.mismatch(body, h -> h.equals("x-amz-checksum-crc32") ? "AAAAAA==-3" : null, null));
        assertNull(BodyChecksums.mismatch(body, h -> h.equals("x-amz-checksum-crc32") ? "AAAAAA==" : null,
                "COMPOSITE"));
        assertNull(BodyChecksums.mismatch(body, h -> null, null));
    }
}
