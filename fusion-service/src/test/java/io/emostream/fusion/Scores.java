package io.emostream.fusion;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.UtteranceId;

import java.time.Instant;

/** Score fixtures: what the inference service publishes, with fixed times and model versions. */
public final class Scores {

    public static final Instant INGESTED = Instant.parse("2025-03-01T10:00:00Z");
    public static final ModelRef SER = new ModelRef("ser-wav2vec", "1.2.0");
    public static final ModelRef TER = new ModelRef("ter-minilm-cnn", "0.9.1");

    /** neutral, happy, sad, angry, fear, disgust, surprise */
    public static Distribution p(double... v) {
        return Distribution.of(v);
    }

    /** A clearly angry voice: angry 0.85, the rest 0.025 each. */
    public static final Distribution ANGRY_VOICE = p(0.025, 0.025, 0.025, 0.85, 0.025, 0.025, 0.025);
    /** What a text model says about "Kids are talking by the door": neutral-ish, 0.7, the rest 0.05 each. */
    public static final Distribution NEUTRAL_TEXT = p(0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05);

    private Scores() {}

    public static EmotionScore speech(String utteranceId, Distribution p) {
        return speech(utteranceId, p, true);
    }

    public static EmotionScore speech(String utteranceId, Distribution p, boolean hasTranscript) {
        UtteranceId id = UtteranceId.parse(utteranceId);
        return new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                utteranceId,
                id.recordingId(),
                id.index(),
                Modality.SPEECH,
                1200,
                3400,
                "spk-audio",
                hasTranscript,
                null,
                SER,
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(1.5, 12.0, 8, 1),
                INGESTED.plusMillis(5),
                INGESTED.plusMillis(250));
    }

    public static EmotionScore text(String utteranceId, String text, Distribution p) {
        UtteranceId id = UtteranceId.parse(utteranceId);
        return new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                utteranceId,
                id.recordingId(),
                id.index(),
                Modality.TEXT,
                1200,
                3400,
                "agent",
                true,
                text,
                TER,
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(0.5, 4.0, 16, 1),
                INGESTED,
                INGESTED.plusMillis(120));
    }
}
