package io.emostream.reporting.persistence;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Modalities;

import java.time.Instant;
import java.util.Map;

/**
 * One row of the utterances table as the sink reads and writes it: the fused result plus, per modality, the input it
 * was fused from. {@link ResultMerge} folds incoming results into it.
 *
 * @param mode the fusion mode's name
 */
record UtteranceRow(
        String utteranceId,
        String recordingId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        String transcript,
        Modalities modalities,
        String mode,
        double speechWeight,
        double textWeight,
        Distribution probabilities,
        Emotion label,
        double confidence,
        Input speech,
        Input text,
        boolean correction,
        Instant eventTime,
        Instant fusedAt,
        String traceId) {

    /**
     * One modality's input.
     *
     * @param at         what orders inputs of this modality: the score's {@code scoredAt} (else the time the result
     *                   carrying it was fused)
     * @param dimensions the model's dimensional scores, or null
     */
    record Input(String model, String version, Distribution probabilities, Instant at, Map<String, Double> dimensions) {

        static Input of(EmotionScore s, Instant fusedAt) {
            if (s == null) {
                return null;
            }
            return new Input(
                    s.model().name(),
                    s.model().version(),
                    s.probabilities(),
                    s.scoredAt() != null ? s.scoredAt() : fusedAt,
                    s.dimensions());
        }

        boolean sameModel(Input o) {
            return model.equals(o.model) && version.equals(o.version);
        }
    }

    /** The row a result makes on its own (nothing stored yet): its values as fusion computed them. */
    static UtteranceRow of(FusedEmotion r, String traceId) {
        return new UtteranceRow(
                r.utteranceId(),
                r.recordingId(),
                r.index(),
                r.startMs(),
                r.endMs(),
                r.speaker(),
                r.transcript(),
                r.modalities(),
                r.mode().name(),
                r.speechWeight(),
                r.textWeight(),
                r.probabilities(),
                r.label(),
                r.confidence(),
                Input.of(r.speech(), r.fusedAt()),
                Input.of(r.text(), r.fusedAt()),
                r.correction(),
                r.eventTime(),
                r.fusedAt(),
                traceId);
    }
}
