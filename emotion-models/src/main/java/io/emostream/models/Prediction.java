package io.emostream.models;

import io.emostream.contracts.Distribution;

/**
 * One input's result.
 *
 * @param modelProbabilities probabilities in the model's own label order ({@link ModelManifest#labels()})
 * @param canonical          the same mapped onto the canonical emotions
 * @param windows            how many windows were scored and averaged (1 for text and short audio)
 */
public record Prediction(float[] modelProbabilities, Distribution canonical, int windows) {
}
