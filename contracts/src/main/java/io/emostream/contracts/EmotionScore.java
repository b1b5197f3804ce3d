package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One model's scores for one utterance, on {@link Topics#SCORES_SPEECH} or {@link Topics#SCORES_TEXT}.
 * {@code probabilities} are already mapped onto the canonical labels; {@code text} is set for text scores.
 * {@code dimensions} (optional, absent when the model has none): dimensional scores by name, e.g. valence,
 * arousal and dominance on EmoBank's 1-5 scale; an optional field, so readers that do not know it ignore it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmotionScore(
        int schemaVersion,
        String utteranceId,
        String recordingId,
        int index,
        Modality modality,
        long startMs,
        long endMs,
        String speaker,
        boolean hasTranscript,
        String text,
        ModelRef model,
        Distribution probabilities,
        Emotion label,
        double confidence,
        InferenceTiming timing,
        Instant ingestedAt,
        Instant scoredAt,
        Map<String, Double> dimensions)
        implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    /** A score without dimensional outputs. */
    public EmotionScore(
            int schemaVersion,
            String utteranceId,
            String recordingId,
            int index,
            Modality modality,
            long startMs,
            long endMs,
            String speaker,
            boolean hasTranscript,
            String text,
            ModelRef model,
            Distribution probabilities,
            Emotion label,
            double confidence,
            InferenceTiming timing,
            Instant ingestedAt,
            Instant scoredAt) {
        this(
                schemaVersion,
                utteranceId,
                recordingId,
                index,
                modality,
                startMs,
                endMs,
                speaker,
                hasTranscript,
                text,
                model,
                probabilities,
                label,
                confidence,
                timing,
                ingestedAt,
                scoredAt,
                null);
    }

    public EmotionScore {
        Objects.requireNonNull(utteranceId, "utteranceId");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(probabilities, "probabilities");
        dimensions = dimensions == null || dimensions.isEmpty()
                ? null
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dimensions));
    }

    public static EmotionScore forSpeech(
            UtteranceAudio u, ModelRef model, Distribution p, InferenceTiming timing, Instant scoredAt) {
        return new EmotionScore(
                SCHEMA_VERSION,
                u.utteranceId(),
                u.recordingId(),
                u.index(),
                Modality.SPEECH,
                u.startMs(),
                u.endMs(),
                u.speaker(),
                u.hasTranscript(),
                null,
                model,
                p,
                p.label(),
                p.confidence(),
                timing,
                u.ingestedAt(),
                scoredAt);
    }

    public static EmotionScore forText(
            UtteranceText u, ModelRef model, Distribution p, InferenceTiming timing, Instant scoredAt) {
        return forText(u, model, p, timing, scoredAt, null);
    }

    /** A text score with the model's dimensional outputs (null or empty: none). */
    public static EmotionScore forText(
            UtteranceText u,
            ModelRef model,
            Distribution p,
            InferenceTiming timing,
            Instant scoredAt,
            Map<String, Double> dimensions) {
        return new EmotionScore(
                SCHEMA_VERSION,
                u.utteranceId(),
                u.recordingId(),
                u.index(),
                Modality.TEXT,
                u.startMs(),
                u.endMs(),
                u.speaker(),
                true,
                u.text(),
                model,
                p,
                p.label(),
                p.confidence(),
                timing,
                u.ingestedAt(),
                scoredAt,
                dimensions);
    }
}
