package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * One utterance's transcript text, on {@link Topics#UTTERANCES_TEXT}, key = utterance id.
 *
 * @param context the previous segments of the same recording (speaker + text, oldest first, at most the ingest
 *                service's {@code text-context-turns}); empty for the first utterance and in schema version 1
 *                records. A text model that reads dialogue context uses them; the same transcript always gives
 *                the same context.
 */
public record UtteranceText(
        int schemaVersion,
        String utteranceId,
        String recordingId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        String language,
        String text,
        Instant ingestedAt,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Turn> context)
        implements Versioned {

    /** 2: {@code context} added (version 1 records read with an empty context). */
    public static final int SCHEMA_VERSION = 2;

    /** One previous segment: who said what ({@code speaker} may be null). */
    public record Turn(String speaker, String text) {}

    public UtteranceText {
        context = context == null ? List.of() : List.copyOf(context);
    }

    public UtteranceText(
            String recordingId,
            int index,
            long startMs,
            long endMs,
            String speaker,
            String language,
            String text,
            Instant ingestedAt) {
        this(recordingId, index, startMs, endMs, speaker, language, text, ingestedAt, List.of());
    }

    public UtteranceText(
            String recordingId,
            int index,
            long startMs,
            long endMs,
            String speaker,
            String language,
            String text,
            Instant ingestedAt,
            List<Turn> context) {
        this(
                SCHEMA_VERSION,
                UtteranceId.of(recordingId, index),
                recordingId,
                index,
                startMs,
                endMs,
                speaker,
                language,
                text,
                ingestedAt,
                context);
    }
}
