package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;

import java.time.Instant;

/**
 * Which recordings a list covers; null fields do not filter.
 *
 * @param from    inclusive lower bound on the recording's start time
 * @param to      exclusive upper bound on the recording's start time
 * @param speaker recordings in which this speaker speaks
 * @param search  recordings whose id contains this text, ignoring case
 * @param lowConfidenceUnder recordings with at least one utterance whose confidence is under this
 */
public record RecordingFilter(
        Instant from,
        Instant to,
        Emotion dominantEmotion,
        String speaker,
        String state,
        String search,
        Double lowConfidenceUnder) {

    Where where() {
        return new Where()
                .add("started_at >= ?", from)
                .add("started_at < ?", to)
                .add("dominant_emotion = ?", dominantEmotion == null ? null : dominantEmotion.label())
                .add("speakers @> ARRAY[?]::text[]", speaker)
                .add("state = ?", state)
                .add("strpos(lower(recording_id), lower(?)) > 0", search)
                // the (recording_id, idx) index finds a recording's utterances; the first low one ends the probe
                .add(
                        "EXISTS (SELECT 1 FROM utterances u WHERE u.recording_id = recordings.recording_id "
                                + "AND u.confidence < ?)",
                        lowConfidenceUnder);
    }
}
