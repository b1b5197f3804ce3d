package io.emostream.contracts;

import java.time.Instant;

/**
 * Metadata of one utterance's audio. The audio itself is the record value: 16 kHz mono PCM, signed 16-bit
 * little-endian ({@link PcmAudio}); this record travels in the {@link AudioRecords#META_HEADER} header.
 *
 * @param hasTranscript whether a transcript exists for this utterance, so fusion need not wait for text
 * @param channel       the source channel when the recording was split by channel, else null
 */
public record UtteranceAudio(
        int schemaVersion,
        String utteranceId,
        String recordingId,
        int index,
        long startMs,
        long endMs,
        String speaker,
        Integer channel,
        boolean hasTranscript,
        String language,
        int sampleRate,
        String encoding,
        Instant ingestedAt)
        implements Versioned {

    public static final int SCHEMA_VERSION = 1;

    public UtteranceAudio(
            String recordingId,
            int index,
            long startMs,
            long endMs,
            String speaker,
            Integer channel,
            boolean hasTranscript,
            String language,
            Instant ingestedAt) {
        this(
                SCHEMA_VERSION,
                UtteranceId.of(recordingId, index),
                recordingId,
                index,
                startMs,
                endMs,
                speaker,
                channel,
                hasTranscript,
                language,
                PcmAudio.SAMPLE_RATE,
                PcmAudio.ENCODING,
                ingestedAt);
    }
}
