package io.emostream.reporting;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;

/**
 * One model's input to a fused result: which model, and what it said.
 *
 * @param scoredAt   when the model scored it (orders re-scores of this modality); absent for rows stored before
 *                   re-scoring was tracked
 * @param dimensions the text model's dimensional scores by name (e.g. valence, arousal, dominance on EmoBank's 1-5
 *                   scale); absent when the model has none
 */
public record ModelScore(
        String model,
        String modelVersion,
        String label,
        Double confidence,
        Map<String, Double> probabilities,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant scoredAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Double> dimensions) {

    public ModelScore(
            String model, String modelVersion, String label, Double confidence, Map<String, Double> probabilities) {
        this(model, modelVersion, label, confidence, probabilities, null, null);
    }
}
