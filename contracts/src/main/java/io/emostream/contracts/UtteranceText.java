package io.emostream.contracts;

import java.time.Instant;

/** One utterance's transcript text, on {@link Topics#UTTERANCES_TEXT}, key = utterance id. */
public record UtteranceText(int schemaVersion, String utteranceId, String recordingId, int index,
                            long startMs, long endMs, String speaker, String language, String text,
                            Instant ingestedAt) implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    public UtteranceText(String recordingId, int index, long startMs, long endMs, String speaker, String language,
                         String text, Instant ingestedAt) {
        this(SCHEMA_VERSION, UtteranceId.of(recordingId, index), recordingId, index, startMs, endMs, speaker,
                language, text, ingestedAt);
    }
}
