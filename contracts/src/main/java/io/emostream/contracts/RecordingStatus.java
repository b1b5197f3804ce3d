package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where a recording is in ingest, on {@link Topics#RECORDING_STATUS}, key = recording id (compacted). It carries
 * counts, not lists: utterance ids are {@code <recordingId>#0 .. #(utteranceCount-1)} ({@link #utteranceIds()}),
 * so a status stays a few hundred bytes whatever the recording.
 *
 * @param utteranceCount how many utterances the recording was cut into (ACCEPTED, SEGMENTED); null otherwise
 * @param uploadDigest   for a REST upload with an {@code Idempotency-Key}: a digest of the caller's API key and
 *                       that key, so a retried upload is recognised and answered alike (never the key itself)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecordingStatus(
        int schemaVersion,
        String recordingId,
        State state,
        Integer utteranceCount,
        Long durationMs,
        Boolean hasTranscript,
        FailureReason reason,
        String detail,
        Instant updatedAt,
        String uploadDigest)
        implements Versioned {

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

    /** Reads statuses written before {@code utteranceCount}: they listed every {@code utteranceIds}. */
    @JsonCreator
    static RecordingStatus read(
            @JsonProperty("schemaVersion") int schemaVersion,
            @JsonProperty("recordingId") String recordingId,
            @JsonProperty("state") State state,
            @JsonProperty("utteranceCount") Integer utteranceCount,
            @JsonProperty("utteranceIds") List<String> legacyUtteranceIds,
            @JsonProperty("durationMs") Long durationMs,
            @JsonProperty("hasTranscript") Boolean hasTranscript,
            @JsonProperty("reason") FailureReason reason,
            @JsonProperty("detail") String detail,
            @JsonProperty("updatedAt") Instant updatedAt,
            @JsonProperty("uploadDigest") String uploadDigest) {
        Integer count =
                utteranceCount != null ? utteranceCount : legacyUtteranceIds == null ? null : legacyUtteranceIds.size();
        return new RecordingStatus(
                schemaVersion,
                recordingId,
                state,
                count,
                durationMs,
                hasTranscript,
                reason,
                detail,
                updatedAt,
                uploadDigest);
    }

    /** The ids of the utterances it was cut into (empty when there is no count). */
    public List<String> utteranceIds() {
        return utteranceCount == null
                ? List.of()
                : IntStream.range(0, utteranceCount)
                        .mapToObj(i -> UtteranceId.of(recordingId, i))
                        .toList();
    }

    /** The same status for the same upload, as the stream moves it on. */
    public RecordingStatus withUploadDigest(String digest) {
        return new RecordingStatus(
                schemaVersion,
                recordingId,
                state,
                utteranceCount,
                durationMs,
                hasTranscript,
                reason,
                detail,
                updatedAt,
                digest);
    }
}
