package dev.orchard.internal.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ListPage#parse} on ListBucketResult documents as S3 writes them (the end to end check is S3StorageTest). */
class ListPageTest {

    private static ListPage parse(String xml) {
        return ListPage.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void objectsPrefixesEscapesAndTheContinuationTokenAreRead() {
        ListPage page = parse("""
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>fruits</Name>\
                <Prefix>images/</Prefix><KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>\
                <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=\
                </NextContinuationToken><Contents><Key>images/a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;.jpg</Key>\
                <LastModified>2026-11-29T10:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>\
                <ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><Size>7012</Size><StorageClass>STANDARD</StorageClass>\
                </Contents><Contents><Key>images/ctl&#x1;&#9;é日本.jpg</Key><Size>0</Size>\
                <ETag>"abc-2"</ETag><Owner><ID>x</ID><DisplayName>Key</DisplayName></Owner></Contents>\
                <CommonPrefixes><Prefix>images/Apple Braeburn/</Prefix></CommonPrefixes>\
                <CommonPrefixes><Prefix>images/Banana &amp; co/</Prefix></CommonPrefixes></ListBucketResult>""");
        assertEquals(List.of(new ListPage.Entry("images/a & b <c> \"d\" 'e'.jpg", 7012, "9b2cf535f27731c974343645a3985328"),
                new ListPage.Entry("images/ctl\u0001\té日本.jpg", 0, "abc-2")), page.objects());
        assertEquals(List.of("images/Apple Braeburn/", "images/Banana & co/"), page.commonPrefixes());
        assertEquals("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=", page.nextToken());
    }

    @Test
    void anEmptyLastPageHasNoToken() {
        ListPage page = parse("<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><Prefix>none/</Prefix>"
                + "<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>");
        assertEquals(List.of(), page.objects());
        assertEquals(List.of(), page.commonPrefixes());
        assertNull(page.nextToken());
    }

    @Test
    void whatIsNotAListingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> parse("<html>proxy error</html>"));
        assertThrows(IllegalArgumentException.class, () -> parse("<ListBucketResult><IsTruncated>true</IsTruncated>"
                + "</ListBucketResult>"));
        assertThrows(IllegalArgumentException.class, () -> parse("<ListBucketResult><Contents><Key>a</Key>"));
    }
}
