package io.emostream.guard;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

import java.time.Instant;

/**
 * What the guard decided for one record ({@link PoisonGuard#before}): process it, or it is quarantined. Every
 * attempt must be ended with {@link PoisonGuard#after} (in a {@code finally}), whether processing succeeded, threw
 * or the record was quarantined.
 */
public final class Attempt {

    final PoisonGuard.PartitionState state;
    final long offset;
    final boolean careful;
    final boolean quarantined;
    final int crashes;
    private final GuardKey key;
    private final int maxAttempts;

    Attempt(
            GuardKey key,
            PoisonGuard.PartitionState state,
            long offset,
            boolean careful,
            boolean quarantined,
            int crashes,
            int maxAttempts) {
        this.key = key;
        this.state = state;
        this.offset = offset;
        this.careful = careful;
        this.quarantined = quarantined;
        this.crashes = crashes;
        this.maxAttempts = maxAttempts;
    }

    public GuardKey key() {
        return key;
    }

    public long offset() {
        return offset;
    }

    /** Processed with a marker written before it (careful mode): callers process such records one at a time. */
    public boolean careful() {
        return careful;
    }

    /** The record killed the service on every allowed attempt: do not process it; dead-letter it instead. */
    public boolean quarantined() {
        return quarantined;
    }

    /** Why the record was quarantined, for the dead letter's detail. */
    public String detail() {
        return "processing this record killed the service " + crashes + " time(s) (emostream.guard.max-attempts="
                + maxAttempts + "): quarantined, i.e. dead-lettered without being processed again";
    }

    /**
     * The dead letter of a quarantined record (reason {@link FailureReason#PROCESSING_CRASHED}); by reference when
     * the original is over {@link Failures#MAX_INLINE_BYTES}.
     */
    public ProducerRecord<byte[], byte[]> deadLetter(String service, byte[] recordKey, byte[] value, Headers headers) {
        return new DeadLetter(
                        FailureReason.PROCESSING_CRASHED,
                        detail(),
                        key.topic(),
                        key.partition(),
                        offset,
                        service,
                        Instant.now())
                .toRecord(recordKey, value, headers, Failures.MAX_INLINE_BYTES);
    }
}
