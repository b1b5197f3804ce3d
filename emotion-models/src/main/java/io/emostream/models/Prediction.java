package io.emostream.models;

import io.emostream.contracts.Distribution;

import java.util.Map;

/**
 * One input's result.
 *
 * @param modelProbabilities probabilities in the model's own label order ({@link ModelManifest#labels()})
 * @param canonical          the same mapped onto the canonical emotions
 * @param windows            how many windows were scored and averaged (1 for text and short audio)
 * @param dimensions         dimensional scores by name in {@link ModelManifest#dimensions()} order (e.g. valence,
 *                           arousal, dominance on a 1-5 scale), or null when the model has none
 */
public record Prediction(
        float[] modelProbabilities, Distribution canonical, int windows, Map<String, Double> dimensions) {

    public Prediction(float[] modelProbabilities, Distribution canonical, int windows) {
        this(modelProbabilities, canonical, windows, null);
    }
}
