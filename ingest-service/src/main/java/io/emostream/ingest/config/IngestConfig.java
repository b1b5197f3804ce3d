package io.emostream.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the ingest service ({@code emostream.ingest.*}). */
@ConfigMapping(prefix = "emostream.ingest")
public interface IngestConfig {

    /** Largest recording accepted, in bytes (Kafka or REST). */
    @WithDefault("209715200")
    long maxRecordingBytes();

    /** Longest recording accepted. */
    @WithDefault("4h")
    Duration maxDuration();

    /** How long a recording without a transcript waits for one on the transcripts topic before going speech-only. */
    @WithDefault("30s")
    Duration transcriptWait();

    /** How long a transcript that arrived before its recording is kept. */
    @WithDefault("24h")
    Duration transcriptRetention();

    /** How often waiting recordings and kept transcripts are checked for expiry. */
    @WithDefault("1s")
    Duration expiryCheckInterval();

    /**
     * Most waiting recordings released (decoded and cut) per expiry check; the rest wait for the next check, so one
     * check's transaction stays within the transaction timeout.
     */
    @WithDefault("20")
    int expiryBatch();

    /** Largest transcript accepted, in bytes (inline header, transcripts topic or REST form field). */
    @WithDefault("5242880")
    int maxTranscriptBytes();

    /** Most segments (cues) a transcript may have. */
    @WithDefault("20000")
    int maxTranscriptSegments();

    /**
     * Most transcript segments that may cover the same instant (overlapping speakers). Each one open while the
     * audio is cut holds up to {@code segmentation.max-utterance} of samples, so this bounds decode memory.
     */
    @WithDefault("8")
    int maxOverlappingSegments();

    /**
     * A rejected record larger than this (value and headers) is dead-lettered by reference: the dead letter
     * names its topic, partition and offset instead of copying it (it stays on its topic for the retention).
     */
    @WithDefault("8388608")
    int deadLetterMaxInlineBytes();

    /** Accepted REST API keys ({@code X-API-Key}), comma-separated; a secret. None: the REST API refuses all. */
    Optional<List<String>> apiKeys();

    /** REST uploads processed at once; more get 429 with {@code Retry-After}. */
    @WithDefault("2")
    int maxConcurrentUploads();

    /** The {@code Retry-After} of a 429. */
    @WithDefault("5s")
    Duration uploadRetryAfter();

    /**
     * How many previous transcript segments of the same recording each text utterance carries (speaker + text,
     * for text models that read dialogue context; 0 = none).
     */
    @WithDefault("3")
    int textContextTurns();

    /**
     * Whether the audio utterances of a named or separated speaker (a transcript's speakers, the speakers header, a
     * channel split) go to {@code emostream.utterances.audio.speaker}, grouped by (recording, speaker), so the speech
     * model scores each relative to the speaker's other speech in the recording (speaker-aware scoring; a speaker
     * with fewer utterances than the model's minimum gets the speaker-independent score). false: every utterance
     * goes to {@code emostream.utterances.audio} and is scored alone.
     */
    @WithDefault("true")
    boolean speakerGroups();

    /**
     * The most utterances in one speaker group: a speaker with more in one recording gets consecutive groups of this
     * many (the last one smaller), each scored relative to itself, which bounds what a speech worker holds in memory
     * (200 utterances of 5 s: 32 MB of PCM). Keep it well above the speech model's {@code speaker.minUtterances} (20).
     */
    @WithDefault("200")
    int speakerGroupMaxUtterances();

    /** Segmentation settings. */
    Segmentation segmentation();

    interface Segmentation {

        /** Longest utterance; longer speech is split at the quietest point (transcript segments evenly). */
        @WithDefault("30s")
        Duration maxUtterance();

        /** Voice-activity utterances with less speech than this are dropped as noise. */
        @WithDefault("300ms")
        Duration minUtterance();

        /** A pause at least this long ends a voice-activity utterance. */
        @WithDefault("500ms")
        Duration minSilence();

        /** Audio kept before and after detected speech. */
        @WithDefault("200ms")
        Duration padding();

        /** A frame is speech when it is this many dB above the estimated noise floor. */
        @WithDefault("12")
        double thresholdDb();

        /** Lowest speech threshold in dBFS (quiet recordings). */
        @WithDefault("-55")
        double minThresholdDbfs();

        /** Highest speech threshold in dBFS (noisy recordings): louder frames are always speech. */
        @WithDefault("-35")
        double maxThresholdDbfs();

        /** How far transcript segments may run past the end of the audio (ASR rounding) before they are rejected. */
        @WithDefault("1s")
        Duration transcriptTolerance();
    }
}
