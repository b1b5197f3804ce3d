package io.emostream.reporting;

import java.util.Map;

/**
 * Emotion statistics of one group of utterances.
 *
 * @param key               the hour or day (start instant, ISO-8601), speaker or recording id
 * @param counts            utterances per fused label, every canonical label present
 * @param meanProbabilities the mean fused distribution
 */
public record EmotionGroup(
        String key,
        long utterances,
        double meanConfidence,
        Map<String, Long> counts,
        Map<String, Double> meanProbabilities) {}
