package io.emostream.reporting;

import java.time.Instant;
import java.util.List;

/**
 * A recording: its ingest status (from {@code emostream.recordings.status}) and aggregates over its utterances.
 *
 * @param state              ACCEPTED, AWAITING_TRANSCRIPT, SEGMENTED or FAILED; null until a status arrived
 * @param failureReason      why ingest rejected it (FAILED only)
 * @param expectedUtterances how many utterances ingest cut it into; compare with {@code utteranceCount}
 * @param utteranceCount     utterances with a stored result
 * @param dominantEmotion    the most frequent label among its utterances (ties: canonical order)
 * @param startedAt          its first utterance's event time, or its status time when it has none
 */
public record RecordingSummary(
        String recordingId,
        String state,
        String failureReason,
        String failureDetail,
        Long durationMs,
        Boolean hasTranscript,
        Integer expectedUtterances,
        int utteranceCount,
        List<String> speakers,
        String dominantEmotion,
        Double meanConfidence,
        Instant firstEventTime,
        Instant lastEventTime,
        Instant startedAt,
        Instant updatedAt) {}
