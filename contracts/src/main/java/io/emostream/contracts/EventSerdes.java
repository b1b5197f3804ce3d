package io.emostream.contracts;

/** One serde per JSON event type; every service and test uses these. */
public final class EventSerdes {

    public static final JsonSerde<Transcript> TRANSCRIPT = JsonSerde.of(Transcript.class, Transcript.SCHEMA_VERSION);
    public static final JsonSerde<UtteranceAudio> UTTERANCE_AUDIO =
            JsonSerde.of(UtteranceAudio.class, UtteranceAudio.SCHEMA_VERSION);
    public static final JsonSerde<SpeakerGroups.End> SPEAKER_GROUP_END =
            JsonSerde.of(SpeakerGroups.End.class, SpeakerGroups.End.SCHEMA_VERSION);
    public static final JsonSerde<UtteranceText> UTTERANCE_TEXT =
            JsonSerde.of(UtteranceText.class, UtteranceText.SCHEMA_VERSION);
    public static final JsonSerde<EmotionScore> EMOTION_SCORE =
            JsonSerde.of(EmotionScore.class, EmotionScore.SCHEMA_VERSION);
    public static final JsonSerde<FusedEmotion> FUSED_EMOTION =
            JsonSerde.of(FusedEmotion.class, FusedEmotion.SCHEMA_VERSION);
    public static final JsonSerde<RecordingStatus> RECORDING_STATUS =
            JsonSerde.of(RecordingStatus.class, RecordingStatus.SCHEMA_VERSION);

    private EventSerdes() {}
}
