package io.emostream.contracts;

/**
 * Kafka headers a producer may set on a {@link Topics#RECORDINGS} record (values are UTF-8 strings). Only the key
 * (the recording id) and the bytes are required; the rest refines how the recording is processed.
 */
public final class RecordingHeaders {

    /** MIME type of the bytes, e.g. {@code audio/wav}; informative only, the container is probed from the bytes. */
    public static final String CONTENT_TYPE = "content-type";
    /** BCP 47 language tag of the speech, e.g. {@code en}. */
    public static final String LANGUAGE = "language";
    /**
     * Channel-to-speaker map for multi-channel recordings, e.g. {@code 0=agent,1=customer}: each listed channel is
     * segmented on its own and its utterances carry that speaker. Without it, channels are mixed down to mono.
     */
    public static final String SPEAKERS = "speakers";
    /** An inline transcript (JSON {@link Transcript}, WebVTT or plain text); no waiting for the transcripts topic. */
    public static final String TRANSCRIPT = "transcript";
    /**
     * {@code await} (default): wait for a transcript on {@link Topics#TRANSCRIPTS} up to the configured time;
     * {@code none}: there will be no transcript, segment by voice activity at once.
     */
    public static final String TRANSCRIPT_MODE = "transcript-mode";

    public static final String TRANSCRIPT_MODE_AWAIT = "await";
    public static final String TRANSCRIPT_MODE_NONE = "none";

    private RecordingHeaders() {}
}
