package io.emostream.contracts;

import java.util.List;
import java.util.Map;

/**
 * The one definition of every topic name and its settings. All topics that carry utterances are keyed by
 * utterance id (except {@link #UTTERANCES_AUDIO_SPEAKER}, which groups them by speaker) and share one partition
 * count, so joins never repartition.
 */
public final class Topics {

    /** Raw recording bytes (any container/codec), key = recording id, metadata in {@link RecordingHeaders}. */
    public static final String RECORDINGS = "emostream.recordings";
    /** Transcripts keyed by recording id: JSON ({@link Transcript}), plain text or WebVTT. */
    public static final String TRANSCRIPTS = "emostream.transcripts";
    /** 16 kHz mono PCM (s16le) per utterance, key = utterance id, metadata {@link UtteranceAudio} in a header. */
    public static final String UTTERANCES_AUDIO = "emostream.utterances.audio";
    /**
     * The audio utterances of recordings that name or separate speakers, grouped by speaker: key =
     * {@link SpeakerGroups#key} ({@code <recording id>|<speaker>}, so one speaker's utterances share a partition and
     * arrive in order), records as on {@link #UTTERANCES_AUDIO}, each group closed by a {@link SpeakerGroups.End}
     * marker. The one topic not keyed by utterance id: its consumer scores a speaker's utterances together
     * (speaker-aware scoring) and emits each score under its utterance id.
     */
    public static final String UTTERANCES_AUDIO_SPEAKER = "emostream.utterances.audio.speaker";
    /** {@link UtteranceText} per utterance, key = utterance id. */
    public static final String UTTERANCES_TEXT = "emostream.utterances.text";
    /** {@link EmotionScore} from the speech model, key = utterance id. */
    public static final String SCORES_SPEECH = "emostream.scores.speech";
    /** {@link EmotionScore} from the text model, key = utterance id. */
    public static final String SCORES_TEXT = "emostream.scores.text";
    /** {@link FusedEmotion}, key = utterance id; compacted, so the last record per utterance (a correction) wins. */
    public static final String EMOTIONS = "emostream.emotions";
    /** {@link RecordingStatus}, key = recording id; compacted. */
    public static final String RECORDING_STATUS = "emostream.recordings.status";
    /** Input that could not be processed: original key, value and headers plus {@link DeadLetter} headers. */
    public static final String DEADLETTER = "emostream.deadletter";
    /**
     * Processing attempts of every consumer's partitions (consumer-guard's markers), key =
     * {@code <group>|<topic>|<partition>}; compacted. Written before processing, so a record whose processing kills
     * the JVM is known on restart and quarantined after a few attempts instead of killing every restart.
     */
    public static final String ATTEMPTS = "emostream.attempts";

    /** Largest recording accepted on {@link #RECORDINGS} (bytes, headers included): the 200 MB input limit plus headroom. */
    public static final int MAX_RECORDING_MESSAGE_BYTES = 210 * 1024 * 1024;
    /** Largest record on the per-utterance and dead-letter topics (a 30 s utterance of s16 PCM is 0.96 MB). */
    public static final int MAX_UTTERANCE_MESSAGE_BYTES = 8 * 1024 * 1024;
    /** A producer's max.request.size where it may dead-letter a whole utterance-sized record plus its headers. */
    public static final int MAX_UTTERANCE_REQUEST_BYTES = MAX_UTTERANCE_MESSAGE_BYTES + 1024 * 1024;

    /** A topic and the settings it is created with. */
    public record TopicSpec(String name, Map<String, String> config) {}

    private static final Map<String, String> UTTERANCE =
            Map.of("max.message.bytes", Integer.toString(MAX_UTTERANCE_MESSAGE_BYTES));
    private static final Map<String, String> COMPACTED =
            Map.of("cleanup.policy", "compact", "max.message.bytes", Integer.toString(MAX_UTTERANCE_MESSAGE_BYTES));

    /** Every topic the platform uses, with its configuration. */
    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(
                    RECORDINGS,
                    Map.of(
                            "max.message.bytes", Integer.toString(MAX_RECORDING_MESSAGE_BYTES),
                            // a waiting recording is re-read from here when its transcript arrives: keep a week
                            "retention.ms", Long.toString(7L * 24 * 3600 * 1000))),
            new TopicSpec(TRANSCRIPTS, UTTERANCE),
            new TopicSpec(UTTERANCES_AUDIO, UTTERANCE),
            new TopicSpec(UTTERANCES_AUDIO_SPEAKER, UTTERANCE),
            new TopicSpec(UTTERANCES_TEXT, UTTERANCE),
            new TopicSpec(SCORES_SPEECH, UTTERANCE),
            new TopicSpec(SCORES_TEXT, UTTERANCE),
            new TopicSpec(EMOTIONS, COMPACTED),
            new TopicSpec(RECORDING_STATUS, COMPACTED),
            new TopicSpec(
                    DEADLETTER,
                    Map.of(
                            "max.message.bytes", Integer.toString(MAX_RECORDING_MESSAGE_BYTES),
                            "retention.ms", Long.toString(30L * 24 * 3600 * 1000))),
            // one small marker per consumed partition survives compaction; segments roll hourly so it is compacted
            new TopicSpec(
                    ATTEMPTS,
                    Map.of(
                            "cleanup.policy", "compact",
                            "segment.ms", Long.toString(3600L * 1000),
                            "max.message.bytes", Integer.toString(1024 * 1024))));

    /** Default partition count: enough for six consumers per group. */
    public static final int DEFAULT_PARTITIONS = 6;

    private Topics() {}
}
