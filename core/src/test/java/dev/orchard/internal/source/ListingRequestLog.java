package dev.orchard.internal.source;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Counts the ListObjectsV2 requests of every S3 client in the test JVM (a global SDK interceptor, registered
 * in {@code software/amazon/awssdk/global/handlers/execution.interceptors}), split by where they ran: inside a
 * Spark task (an executor) or elsewhere (the driver). Thread-safe; tests read the counts as differences.
 */
public final class ListingRequestLog implements ExecutionInterceptor {

    static final AtomicLong IN_TASKS = new AtomicLong();
    static final AtomicLong ON_DRIVER = new AtomicLong();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof ListObjectsV2Request) {
            (TaskContext.get() != null ? IN_TASKS : ON_DRIVER).incrementAndGet();
        }
    }
}
