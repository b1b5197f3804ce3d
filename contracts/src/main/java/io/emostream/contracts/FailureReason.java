package io.emostream.contracts;

/** Why input was rejected; travels in the dead-letter header and in REST problem details. */
public enum FailureReason {
    /** The record key is missing or not a valid recording/utterance id. */
    INVALID_KEY,
    /** The record value is not a well-formed event of its topic's schema. */
    MALFORMED_EVENT,
    /** The event declares a schemaVersion newer than this service reads. */
    UNSUPPORTED_SCHEMA_VERSION,
    /** Zero bytes, no audio stream, or no samples. */
    AUDIO_EMPTY,
    /** Not a readable audio container, or a codec we do not decode. */
    AUDIO_UNREADABLE,
    /** The stream opened but decoding failed part-way (truncated or corrupt data). */
    AUDIO_CORRUPT,
    /** Over the configured size limit. */
    AUDIO_TOO_LARGE,
    /** Over the configured duration limit. */
    AUDIO_TOO_LONG,
    /** A transcript that is not valid JSON, WebVTT or text. */
    TRANSCRIPT_MALFORMED,
    /** A transcript over the size limit (bytes) or with more segments than allowed. */
    TRANSCRIPT_TOO_LARGE,
    /** A transcript with more segments at the same instant than allowed (each overlapping segment costs memory). */
    TRANSCRIPT_OVERLAP,
    /** Transcript segments outside the audio, or with end before start. */
    TRANSCRIPT_OUT_OF_RANGE,
    /** A transcript whose recording did not arrive within the retention time. */
    TRANSCRIPT_WITHOUT_RECORDING,
    /** The model failed on this input. */
    MODEL_FAILURE
}
