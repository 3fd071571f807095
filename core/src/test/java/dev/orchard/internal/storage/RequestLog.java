package dev.orchard.internal.storage;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** Records the SDK request type of every attempt a client sends (thread-safe). */
final class RequestLog implements ExecutionInterceptor {

    private final List<String> operations = new ArrayList<>();

    @Override
    public synchronized void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        operations.add(context.request().getClass().getSimpleName());
    }

    synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    synchronized void clear() {
        operations.clear();
    }
}
