package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;

import java.time.Instant;

/**
 * Which recordings a list covers; null fields do not filter.
 *
 * @param from    inclusive lower bound on the recording's start time
 * @param to      exclusive upper bound on the recording's start time
 * @param speaker recordings in which this speaker speaks
 */
public record RecordingFilter(Instant from, Instant to, Emotion dominantEmotion, String speaker, String state) {

    Where where() {
        return new Where()
                .add("started_at >= ?", from)
                .add("started_at < ?", to)
                .add("dominant_emotion = ?", dominantEmotion == null ? null : dominantEmotion.label())
                .add("speakers @> ARRAY[?]::text[]", speaker)
                .add("state = ?", state);
    }
}
