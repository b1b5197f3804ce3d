package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Objects;

/**
 * One model's scores for one utterance, on {@link Topics#SCORES_SPEECH} or {@link Topics#SCORES_TEXT}.
 * {@code probabilities} are already mapped onto the canonical labels; {@code text} is set for text scores.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmotionScore(int schemaVersion, String utteranceId, String recordingId, int index, Modality modality,
                           long startMs, long endMs, String speaker, boolean hasTranscript, String text,
                           ModelRef model, Distribution probabilities, Emotion label, double confidence,
                           InferenceTiming timing, Instant ingestedAt, Instant scoredAt) implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    public EmotionScore {
        Objects.requireNonNull(utteranceId, "utteranceId");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(probabilities, "probabilities");
    }

    public static EmotionScore forSpeech(UtteranceAudio u, ModelRef model, Distribution p, InferenceTiming timing,
                                         Instant scoredAt) {
        return new EmotionScore(SCHEMA_VERSION, u.utteranceId(), u.recordingId(), u.index(), Modality.SPEECH,
                u.startMs(), u.endMs(), u.speaker(), u.hasTranscript(), null, model, p, p.label(), p.confidence(),
                timing, u.ingestedAt(), scoredAt);
    }

    public static EmotionScore forText(UtteranceText u, ModelRef model, Distribution p, InferenceTiming timing,
                                       Instant scoredAt) {
        return new EmotionScore(SCHEMA_VERSION, u.utteranceId(), u.recordingId(), u.index(), Modality.TEXT,
                u.startMs(), u.endMs(), u.speaker(), true, u.text(), model, p, p.label(), p.confidence(),
                timing, u.ingestedAt(), scoredAt);
    }
}
