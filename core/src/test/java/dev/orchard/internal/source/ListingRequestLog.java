package dev.orchard.internal.source;

import dev.orchard.internal.storage.Storages;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Counts the ListObjectsV2 requests of every S3 client in the test JVM, split by where they ran: inside a
 * Spark task (an executor) or elsewhere (the driver). Requests through the SDK client are seen as a global SDK
 * interceptor (registered in {@code software/amazon/awssdk/global/handlers/execution.interceptors}), those of
 * the lean path ({@code S3Get}, the default for listings) through {@link Storages#observeLeanS3Requests}.
 * Thread-safe; tests read the counts as differences.
 */
public final class ListingRequestLog implements ExecutionInterceptor {

    static final AtomicLong IN_TASKS = new AtomicLong();
    static final AtomicLong ON_DRIVER = new AtomicLong();

    static {
        Storages.observeLeanS3Requests(operation -> {
            if (operation.equals("ListObjectsV2")) {
                (TaskContext.get() != null ? IN_TASKS : ON_DRIVER).incrementAndGet();
            }
        });
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof ListObjectsV2Request) {
            (TaskContext.get() != null ? IN_TASKS : ON_DRIVER).incrementAndGet();
        }
    }
}
