package io.emostream.guard.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import io.emostream.guard.Failures;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;

/**
 * Kafka Streams' processing exception handler (KIP-1033, {@code processing.exception.handler}): a record whose
 * processing throws is dead-lettered ({@code PROCESSING_FAILED}, the original key, value and headers of the source
 * record) and the task moves on instead of failing and retrying the record forever. Whatever the processor
 * forwarded or stored for that record before it threw stays.
 * <p>
 * An exception in a punctuation (no input record) still fails the task: its state changes are rolled back with the
 * transaction and the punctuation runs again, rather than leaving half-applied state behind.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterProcessingHandler.class);

    private Map<String, ?> configs = Map.of();

    @Override
    public void configure(Map<String, ?> configs) {
        this.configs = Map.copyOf(configs);
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (record == null || context.offset() < 0) {
            LOG.errorf(
                    exception,
                    "punctuation of %s in task %s failed; the task fails and retries it",
                    context.processorNodeId(),
                    context.taskId());
            return ProcessingHandlerResponse.FAIL;
        }
        LOG.errorf(
                exception,
                "processing %s-%d@%d failed in %s",
                context.topic(),
                context.partition(),
                context.offset(),
                context.processorNodeId());
        DeadLetter dl = new DeadLetter(
                FailureReason.PROCESSING_FAILED,
                Failures.describe(exception),
                context.topic(),
                context.partition(),
                context.offset(),
                DeadLetterSender.service(configs),
                Instant.now());
        byte[] key = context.sourceRawKey() != null ? context.sourceRawKey() : bytes(record.key());
        byte[] value = context.sourceRawValue() != null ? context.sourceRawValue() : bytes(record.value());
        boolean sent = DeadLetterSender.send(
                configs, dl, dl.toRecord(key, value, context.headers(), Failures.MAX_INLINE_BYTES));
        return sent ? ProcessingHandlerResponse.CONTINUE : ProcessingHandlerResponse.FAIL;
    }

    static byte[] bytes(Object o) {
        return o instanceof byte[] b
                ? b
                : o == null ? null : o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
