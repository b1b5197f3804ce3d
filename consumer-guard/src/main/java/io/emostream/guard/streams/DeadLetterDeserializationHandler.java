package io.emostream.guard.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import io.emostream.guard.Failures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import java.time.Instant;
import java.util.Map;

/**
 * Kafka Streams' deserialization exception handler ({@code deserialization.exception.handler}): a record whose key
 * or value cannot be deserialized is dead-lettered ({@code MALFORMED_EVENT}, its raw bytes) and skipped. The
 * EmoStream topologies read bytes and parse inside their processors, so this is the safety net for any serde added
 * later.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private Map<String, ?> configs = Map.of();

    @Override
    public void configure(Map<String, ?> configs) {
        this.configs = Map.copyOf(configs);
    }

    @Override
    public DeserializationHandlerResponse handle(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        DeadLetter dl = new DeadLetter(
                FailureReason.MALFORMED_EVENT,
                "cannot deserialize: " + Failures.describe(exception),
                record.topic(),
                record.partition(),
                record.offset(),
                DeadLetterSender.service(configs),
                Instant.now());
        return DeadLetterSender.send(
                        configs,
                        dl,
                        dl.toRecord(record.key(), record.value(), record.headers(), Failures.MAX_INLINE_BYTES))
                ? DeserializationHandlerResponse.CONTINUE
                : DeserializationHandlerResponse.FAIL;
    }
}
