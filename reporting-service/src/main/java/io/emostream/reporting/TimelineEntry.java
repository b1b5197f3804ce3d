package io.emostream.reporting;

import java.util.Map;

/** One utterance on a recording's timeline. */
public record TimelineEntry(String utteranceId, int index, long startMs, long endMs, String speaker,
                            String transcript, String label, double confidence, String modalities,
                            Map<String, Double> probabilities) {
}
