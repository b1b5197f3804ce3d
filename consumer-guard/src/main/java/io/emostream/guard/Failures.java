package io.emostream.guard;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Instant;

/** Dead letters for records whose processing threw ({@link FailureReason#PROCESSING_FAILED}). */
public final class Failures {

    /**
     * A dead letter carries its original inline up to this size (value and headers), by reference beyond it (the
     * original stays on its topic; {@link DeadLetter#OMITTED} says what was left out), as ingest's do by default.
     */
    public static final int MAX_INLINE_BYTES = io.emostream.contracts.Topics.MAX_UTTERANCE_MESSAGE_BYTES;

    private Failures() {}

    /** The exception's type, message and where it was thrown: enough to find the bug, short enough for a header. */
    public static String describe(Throwable e) {
        StringBuilder b =
                new StringBuilder("processing threw ").append(e.getClass().getName());
        if (e.getMessage() != null) {
            b.append(": ").append(e.getMessage());
        }
        StackTraceElement[] trace = e.getStackTrace();
        if (trace.length > 0) {
            b.append(" (at ").append(trace[0]).append(')');
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e) {
            b.append("; caused by ").append(cause.getClass().getName());
            if (cause.getMessage() != null) {
                b.append(": ").append(cause.getMessage());
            }
        }
        return b.toString();
    }

    /** The dead letter of a consumed record whose processing threw {@code e}. */
    public static ProducerRecord<byte[], byte[]> deadLetter(
            ConsumerRecord<byte[], byte[]> r, String service, Throwable e) {
        return new DeadLetter(
                        FailureReason.PROCESSING_FAILED,
                        describe(e),
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        service,
                        Instant.now())
                .toRecord(r.key(), r.value(), r.headers(), MAX_INLINE_BYTES);
    }
}
