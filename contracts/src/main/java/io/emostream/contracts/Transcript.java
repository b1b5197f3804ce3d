package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A transcript as JSON on {@link Topics#TRANSCRIPTS} (or inline in the {@link RecordingHeaders#TRANSCRIPT} header):
 * either the whole {@code text} of a single-utterance recording, or timed {@code segments} (seconds from the start
 * of the recording). Plain text and WebVTT are accepted too and parsed into this shape by the ingest service.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Transcript(int schemaVersion, String recordingId, String language, String text, List<Segment> segments)
        implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    /** One timed segment; {@code speaker} may be null. */
    public record Segment(double start, double end, String speaker, String text) {}

    public Transcript {
        segments = segments == null ? List.of() : List.copyOf(segments);
    }

    public static Transcript untimed(String recordingId, String language, String text) {
        return new Transcript(SCHEMA_VERSION, recordingId, language, text, List.of());
    }

    public static Transcript timed(String recordingId, String language, List<Segment> segments) {
        return new Transcript(SCHEMA_VERSION, recordingId, language, null, segments);
    }

    public boolean isTimed() {
        return !segments.isEmpty();
    }
}
