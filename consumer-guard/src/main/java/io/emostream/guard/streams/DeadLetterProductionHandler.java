package io.emostream.guard.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;

import java.time.Instant;
import java.util.Map;

/**
 * Kafka Streams' production exception handler ({@code production.exception.handler}): an output record that cannot
 * be serialized dead-letters the <em>input</em> record that produced it ({@code PROCESSING_FAILED}, the source's
 * original bytes) and processing continues.
 * <p>
 * Errors of the send itself fail the task as before. Under exactly-once a failed send (e.g. a record too large for
 * its topic) has already put the transaction into an abortable state, so continuing would only commit-fail, abort,
 * re-process and dead-letter the same record again, forever; the processors check what they forward instead (fusion
 * bounds its result size, ingest its utterance length).
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {

    private Map<String, ?> configs = Map.of();

    @Override
    public void configure(Map<String, ?> configs) {
        this.configs = Map.copyOf(configs);
    }

    @Override
    public ProductionExceptionHandlerResponse handle(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandlerResponse handleSerializationException(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        if (context == null || context.offset() < 0 || context.topic() == null) {
            return ProductionExceptionHandlerResponse.FAIL; // from a punctuation: no input record to name
        }
        DeadLetter dl = new DeadLetter(
                FailureReason.PROCESSING_FAILED,
                "an output record to " + record.topic() + " cannot be serialized (" + origin + "): " + exception,
                context.topic(),
                context.partition(),
                context.offset(),
                DeadLetterSender.service(configs),
                Instant.now());
        return DeadLetterSender.send(
                        configs,
                        dl,
                        dl.toRecord(
                                context.sourceRawKey(),
                                context.sourceRawValue(),
                                context.headers(),
                                io.emostream.guard.Failures.MAX_INLINE_BYTES))
                ? ProductionExceptionHandlerResponse.CONTINUE
                : ProductionExceptionHandlerResponse.FAIL;
    }
}
