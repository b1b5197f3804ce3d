package io.emostream.ingest.streams;

/** Names in the ingest topology that tests and the REST layer share. */
public final class IngestTopology {

    public static final String WAITING_STORE = "ingest-waiting-recordings";
    public static final String TRANSCRIPT_STORE = "ingest-kept-transcripts";
    public static final String STATUS_STORE = "ingest-recording-status";

    static final String RECORDINGS_SOURCE = "recordings";
    static final String TRANSCRIPTS_SOURCE = "transcripts";
    static final String PROCESSOR = "ingest";
    static final String AUDIO_SINK = "utterance-audio";
    static final String SPEAKER_AUDIO_SINK = "utterance-audio-speaker";
    static final String TEXT_SINK = "utterance-text";
    static final String STATUS_SINK = "recording-status";
    static final String DLQ_SINK = "dead-letters";

    private IngestTopology() {}
}
