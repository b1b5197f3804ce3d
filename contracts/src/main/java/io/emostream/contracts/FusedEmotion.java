package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * The fused result for one utterance on {@link Topics#EMOTIONS}, key = utterance id. {@code speech}/{@code text}
 * are the inputs (one may be null, see {@code modalities}); {@code speechWeight}/{@code textWeight} are the
 * weights actually applied. A later record for the same utterance with {@code correction = true} supersedes an
 * earlier single-modality result. A {@code correction} that carries one modality only is a re-score of that modality
 * (a new model version) for an utterance already emitted: merge it per modality into the earlier result (keep the
 * other modality, re-fuse with {@link ScoreFusion}), as reporting-service does, rather than replace the result.
 *
 * @param eventTime when the utterance entered the platform (earliest ingest time of its inputs)
 * @param fusedAt   when this result was computed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FusedEmotion(
        int schemaVersion,
        String utteranceId,
        String recordingId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        String transcript,
        Modalities modalities,
        FusionMode mode,
        double speechWeight,
        double textWeight,
        EmotionScore speech,
        EmotionScore text,
        Distribution probabilities,
        Emotion label,
        double confidence,
        boolean correction,
        Instant eventTime,
        Instant fusedAt)
        implements Versioned {

    public static final int SCHEMA_VERSION = 1;
}
