package io.emostream.reporting;

import java.util.Map;

/**
 * One utterance on a recording's timeline: the fused result and each input model's score behind it.
 *
 * @param speech the speech model's score (null if it never came)
 * @param text   the text model's score (null for speech-only utterances)
 */
public record TimelineEntry(
        String utteranceId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        String transcript,
        String label,
        double confidence,
        String modalities,
        Map<String, Double> probabilities,
        ModelScore speech,
        ModelScore text) {}
