package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/** Where a recording is in ingest, on {@link Topics#RECORDING_STATUS}, key = recording id (compacted). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecordingStatus(int schemaVersion, String recordingId, State state, List<String> utteranceIds,
                              Long durationMs, Boolean hasTranscript, FailureReason reason, String detail,
                              Instant updatedAt) implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    public enum State {
        /** Received and valid; utterances are being produced. */
        ACCEPTED,
        /** Waiting for its transcript on the transcripts topic. */
        AWAITING_TRANSCRIPT,
        /** Cut into utterances, all published. */
        SEGMENTED,
        /** Rejected; the input is on the dead-letter topic. */
        FAILED
    }

    public RecordingStatus {
        utteranceIds = utteranceIds == null ? null : List.copyOf(utteranceIds);
    }
}
