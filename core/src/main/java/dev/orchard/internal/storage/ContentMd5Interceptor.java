package dev.orchard.internal.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import software.amazon.awssdk.core.checksums.ChecksumSpecs;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.interceptor.SdkInternalExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.utils.Md5Utils;

/**
 * For S3-compatible servers only: sends DeleteObjects with a {@code Content-MD5} header instead of
 * the CRC32 {@code x-amz-checksum-crc32} header that AWS SDK 2.30+ sends even with
 * {@code requestChecksumCalculation=WHEN_REQUIRED}. S3Proxy answers that header with 501
 * NotImplemented; MinIO, Ceph and others want Content-MD5 (aws-sdk-java-v2 issue #5805). Newer SDKs
 * ship a {@code LegacyMd5Plugin} for this; 2.31.0 does not. Never installed for AWS itself.
 */
final class ContentMd5Interceptor implements ExecutionInterceptor {

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        if (!(context.request() instanceof DeleteObjectsRequest)) {
            return context.httpRequest();
        }
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty()) {
            return context.httpRequest();
        }
        String md5;
        try (InputStream in = body.get().contentStreamProvider().newStream()) {
            md5 = Md5Utils.md5AsBase64(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Tell the SDK's checksum stage that no flexible checksum is wanted for this request.
        attributes.putAttribute(SdkInternalExecutionAttribute.HTTP_CHECKSUM_REQUIRED, null);
        attributes.putAttribute(SdkExecutionAttribute.RESOLVED_CHECKSUM_SPECS,
                ChecksumSpecs.builder().isRequestChecksumRequired(false).build());
        return context.httpRequest().copy(r -> r.putHeader("Content-MD5", md5));
    }
}
