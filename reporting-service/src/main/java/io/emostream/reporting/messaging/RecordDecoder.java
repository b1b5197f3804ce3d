package io.emostream.reporting.messaging;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.JsonSerde;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceId;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Turns a raw record from {@link Topics#EMOTIONS} or {@link Topics#RECORDING_STATUS} into what the sink writes, or
 * into a rejection for the dead-letter topic. Everything that would make PostgreSQL refuse a row is rejected here,
 * so one bad record can never fail (and stall) a whole batch.
 */
final class RecordDecoder {

    /** Timestamps outside this range do not fit a timestamptz (or are clearly wrong). */
    private static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");

    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    /** Speakers are indexed; a B-tree entry must stay well under PostgreSQL's ~2.7 kB limit. */
    static final int MAX_SPEAKER = 256;

    sealed interface Decoded permits Result, ResultTombstone, Status, StatusTombstone, Rejected {}

    record Result(FusedEmotion value) implements Decoded {}

    record ResultTombstone(String utteranceId) implements Decoded {}

    record Status(RecordingStatus value, Instant at) implements Decoded {}

    record StatusTombstone(String recordingId) implements Decoded {}

    record Rejected(FailureReason reason, String detail) implements Decoded {}

    private RecordDecoder() {}

    static Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        try {
            return switch (record.topic()) {
                case Topics.EMOTIONS -> result(key, record.value());
                case Topics.RECORDING_STATUS -> status(key, record.value(), Instant.ofEpochMilli(record.timestamp()));
                default -> new Rejected(FailureReason.MALFORMED_EVENT, "unexpected topic " + record.topic());
            };
        } catch (JsonSerde.MalformedEventException e) {
            return new Rejected(e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            return new Rejected(FailureReason.MALFORMED_EVENT, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Decoded result(String key, byte[] value) {
        if (key == null) {
            return new Rejected(FailureReason.INVALID_KEY, "record has no key (expected the utterance id)");
        }
        if (value == null || value.length == 0) {
            UtteranceId.parse(key); // a tombstone needs a valid key to know what to delete
            return new ResultTombstone(key);
        }
        FusedEmotion f = EventSerdes.FUSED_EMOTION.deserialize(Topics.EMOTIONS, value);
        String problem = problem(f);
        if (problem != null) {
            return new Rejected(FailureReason.MALFORMED_EVENT, problem);
        }
        if (!key.equals(f.utteranceId())) {
            return new Rejected(
                    FailureReason.INVALID_KEY,
                    "key '" + key + "' is not the record's utterance id '" + f.utteranceId() + "'");
        }
        return new Result(f);
    }

    /** Why a fused result cannot be stored, or null when it can. */
    static String problem(FusedEmotion f) {
        if (f.utteranceId() == null) {
            return "utteranceId is missing";
        }
        UtteranceId id;
        try {
            id = UtteranceId.parse(f.utteranceId());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!id.recordingId().equals(f.recordingId()) || id.index() != f.index()) {
            return "recordingId/index (" + f.recordingId() + ", " + f.index() + ") do not match utteranceId "
                    + f.utteranceId();
        }
        if (f.modalities() == null || f.mode() == null || f.probabilities() == null || f.label() == null) {
            return "modalities, mode, probabilities and label are required";
        }
        if (f.speaker() != null && f.speaker().length() > MAX_SPEAKER) {
            return "speaker is longer than " + MAX_SPEAKER + " characters";
        }
        if (f.startMs() < 0 || f.endMs() < f.startMs()) {
            return "invalid span " + f.startMs() + ".." + f.endMs() + " ms";
        }
        if (!unit(f.confidence()) || !finite(f.speechWeight()) || !finite(f.textWeight())) {
            return "confidence must be in [0, 1] and weights finite";
        }
        if (!plausible(f.eventTime()) || !plausible(f.fusedAt())) {
            return "eventTime and fusedAt are required, between " + EARLIEST + " and " + LATEST;
        }
        return null;
    }

    private static Decoded status(String key, byte[] value, Instant recordTime) {
        if (key == null || !UtteranceId.isValidRecordingId(key)) {
            return new Rejected(FailureReason.INVALID_KEY, "key '" + key + "' is not a recording id");
        }
        if (value == null || value.length == 0) {
            return new StatusTombstone(key);
        }
        RecordingStatus s = EventSerdes.RECORDING_STATUS.deserialize(Topics.RECORDING_STATUS, value);
        if (!key.equals(s.recordingId())) {
            return new Rejected(
                    FailureReason.INVALID_KEY,
                    "key '" + key + "' is not the record's recording id '" + s.recordingId() + "'");
        }
        if (s.state() == null) {
            return new Rejected(FailureReason.MALFORMED_EVENT, "state is missing");
        }
        if (s.durationMs() != null && s.durationMs() < 0) {
            return new Rejected(FailureReason.MALFORMED_EVENT, "negative durationMs");
        }
        if (s.updatedAt() != null && !plausible(s.updatedAt())) {
            return new Rejected(FailureReason.MALFORMED_EVENT, "updatedAt out of range: " + s.updatedAt());
        }
        return new Status(s, s.updatedAt() != null ? s.updatedAt() : recordTime);
    }

    private static boolean plausible(Instant t) {
        return t != null && !t.isBefore(EARLIEST) && !t.isAfter(LATEST);
    }

    private static boolean unit(double v) {
        return v >= 0 && v <= 1 + 1e-9; // a renormalised distribution may overshoot 1 by a rounding error
    }

    private static boolean finite(double v) {
        return Double.isFinite(v);
    }
}
