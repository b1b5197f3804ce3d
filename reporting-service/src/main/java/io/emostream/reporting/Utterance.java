package io.emostream.reporting;

import java.time.Instant;
import java.util.Map;

/**
 * The stored result for one utterance, with the speech and text scores it was fused from (either may be null).
 *
 * @param eventTime  when the utterance entered the platform
 * @param fusedAt    when this result was computed
 * @param ingestedAt when reporting first stored a result for this utterance
 * @param updatedAt  when reporting last changed it (e.g. a correction)
 * @param traceId    the OpenTelemetry trace of its recording (ingest → inference → fusion → this row), or null
 */
public record Utterance(
        String utteranceId,
        String recordingId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        String transcript,
        String label,
        double confidence,
        Map<String, Double> probabilities,
        String modalities,
        String fusionMode,
        double speechWeight,
        double textWeight,
        ModelScore speech,
        ModelScore text,
        boolean correction,
        Instant eventTime,
        Instant fusedAt,
        Instant ingestedAt,
        Instant updatedAt,
        String traceId) {}
