package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;

import java.time.Instant;

/**
 * Which utterances a query covers; null fields do not filter.
 *
 * @param from inclusive lower bound on event time
 * @param to   exclusive upper bound on event time
 */
public record UtteranceFilter(
        String recordingId, String speaker, Emotion label, Double minConfidence, Instant from, Instant to) {

    Where where() {
        return new Where()
                .add("recording_id = ?", recordingId)
                .add("speaker = ?", speaker)
                .add("label = ?", label == null ? null : label.label())
                .add("confidence >= ?", minConfidence)
                .add("event_time >= ?", from)
                .add("event_time < ?", to);
    }
}
