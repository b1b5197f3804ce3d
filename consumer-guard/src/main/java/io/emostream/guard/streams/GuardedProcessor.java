package io.emostream.guard.streams;

import io.emostream.guard.Attempt;
import io.emostream.guard.GuardKey;
import io.emostream.guard.PoisonGuard;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.util.HashSet;
import java.util.Set;

/**
 * Puts a Kafka Streams processor (bytes in, bytes out) under the {@link PoisonGuard}: each input record is an
 * attempt on its source partition (group = the application id). A quarantined record is not given to the
 * processor: its dead letter is forwarded to the dead-letter sink in the task's transaction, so it commits
 * together with the input offset. Exceptions the processor throws go on to Kafka Streams, whose processing
 * exception handler ({@link DeadLetterProcessingHandler}) dead-letters the record.
 */
public final class GuardedProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    /**
     * Implemented by a processor that wants to handle its quarantined records itself (e.g. to also publish a FAILED
     * status); it must dead-letter the record ({@link Attempt#deadLetter}). Others get the dead letter forwarded to
     * the dead-letter sink.
     */
    public interface QuarantineHandler {
        void quarantined(Record<byte[], byte[]> record, Attempt attempt);
    }

    private final Processor<byte[], byte[], byte[], byte[]> delegate;
    private final PoisonGuard guard;
    private final String deadLetterSink;
    private final Set<GuardKey> seen = new HashSet<>();
    private ProcessorContext<byte[], byte[]> context;

    public GuardedProcessor(
            Processor<byte[], byte[], byte[], byte[]> delegate, PoisonGuard guard, String deadLetterSink) {
        this.delegate = delegate;
        this.guard = guard;
        this.deadLetterSink = deadLetterSink;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        delegate.init(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata m = context.recordMetadata().orElse(null);
        if (m == null) {
            delegate.process(record);
            return;
        }
        GuardKey key = new GuardKey(context.applicationId(), m.topic(), m.partition());
        seen.add(key);
        Attempt attempt = guard.before(key, m.offset());
        try {
            if (attempt.quarantined() && delegate instanceof QuarantineHandler h) {
                h.quarantined(record, attempt);
                return;
            }
            if (attempt.quarantined()) {
                ProducerRecord<byte[], byte[]> dl =
                        attempt.deadLetter(guard.service(), record.key(), record.value(), record.headers());
                context.forward(new Record<>(dl.key(), dl.value(), record.timestamp(), dl.headers()), deadLetterSink);
                return;
            }
            guard.injectFaults(record.key());
            delegate.process(record);
        } finally {
            guard.after(attempt);
        }
    }

    /** The partition's task is closing (clean or not, Kafka Streams does not say): forget it. */
    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            guard.forget(seen);
            seen.clear();
        }
    }
}
