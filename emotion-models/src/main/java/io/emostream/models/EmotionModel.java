package io.emostream.models;

import java.util.List;

/**
 * A loaded emotion model. Thread-safe: concurrent callers share an internal pool of predictors.
 *
 * @param <I> input type: 16 kHz mono float waveform for speech, a string for text
 */
public interface EmotionModel<I> extends AutoCloseable {

    ModelManifest manifest();

    /**
     * Scores the inputs in one batched forward pass (padded; very large batches are split into chunks of
     * {@code maxBatch} items). A sample's result does not depend on what it is batched with.
     *
     * @throws IllegalArgumentException for an input the model cannot score (empty text, too-short audio)
     */
    List<Prediction> predict(List<I> inputs);

    default Prediction predict(I input) {
        return predict(List.of(input)).get(0);
    }

    /** Runs a dummy input once through every code path so the first real request is not slow. */
    void warmUp();

    @Override
    void close();
}
