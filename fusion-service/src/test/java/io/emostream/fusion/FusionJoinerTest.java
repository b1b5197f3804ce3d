package io.emostream.fusion;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.ScoreFusion;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static io.emostream.fusion.Scores.ANGRY_VOICE;
import static io.emostream.fusion.Scores.NEUTRAL_TEXT;
import static io.emostream.fusion.Scores.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FusionJoinerTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:00:01Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final FusionJoiner FIXED = new FusionJoiner(FusionMode.FIXED, 0.6, 1.0, CLOCK);
    private static final FusionJoiner CONFIDENCE = new FusionJoiner(FusionMode.CONFIDENCE, 0.6, 1.0, CLOCK);

    @Test
    void fixedModeIsTheRenormalisedWeightedSum() {
        Distribution speech = p(0.1, 0.2, 0.1, 0.5, 0.05, 0.03, 0.02);
        Distribution text = p(0.3, 0.5, 0.05, 0.05, 0.04, 0.03, 0.03);

        ScoreFusion.Combined c = FIXED.combine(speech, text);

        for (Emotion e : Emotion.ALL) {
            assertThat(c.probabilities().get(e))
                    .as(e.label())
                    .isCloseTo((0.6 * speech.get(e) + 1.0 * text.get(e)) / 1.6, within(1e-12));
        }
        assertThat(c.speechWeight()).isCloseTo(0.375, within(1e-12));
        assertThat(c.textWeight()).isCloseTo(0.625, within(1e-12));
        // angry: (0.30 + 0.05) / 1.6 = 0.21875 < happy: (0.12 + 0.5) / 1.6 = 0.3875
        assertThat(c.probabilities().label()).isEqualTo(Emotion.HAPPY);
    }

    @Test
    void fusedRecordCarriesLabelConfidenceInputsWeightsAndTimes() {
        EmotionScore speech = Scores.speech("call-7#3", p(0.1, 0.6, 0.1, 0.1, 0.05, 0.03, 0.02));
        EmotionScore text =
                Scores.text("call-7#3", "That is wonderful news", p(0.2, 0.7, 0.02, 0.02, 0.02, 0.02, 0.02));

        FusedEmotion f = FIXED.apply(speech, text);

        assertThat(f.schemaVersion()).isEqualTo(FusedEmotion.SCHEMA_VERSION);
        assertThat(f.utteranceId()).isEqualTo("call-7#3");
        assertThat(f.recordingId()).isEqualTo("call-7");
        assertThat(f.index()).isEqualTo(3);
        assertThat(f.startMs()).isEqualTo(1200);
        assertThat(f.endMs()).isEqualTo(3400);
        assertThat(f.speaker()).as("the transcript's speaker wins").isEqualTo("agent");
        assertThat(f.transcript()).isEqualTo("That is wonderful news");
        assertThat(f.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(f.mode()).isEqualTo(FusionMode.FIXED);
        assertThat(f.speech()).isEqualTo(speech);
        assertThat(f.text()).isEqualTo(text);
        assertThat(f.speech().model().version()).isEqualTo("1.2.0");
        assertThat(f.text().model().version()).isEqualTo("0.9.1");
        assertThat(f.label()).isEqualTo(Emotion.HAPPY);
        assertThat(f.confidence())
                .isEqualTo(f.probabilities().get(Emotion.HAPPY))
                .isCloseTo((0.6 * 0.6 + 0.7) / 1.6, within(1e-12));
        assertThat(f.correction()).isFalse();
        assertThat(f.eventTime()).as("earliest ingest time").isEqualTo(Scores.INGESTED);
        assertThat(f.fusedAt()).isEqualTo(NOW);
    }

    @Test
    void confidenceModeKeepsAClearlyAngryVoiceAngryWhereFixedWeightsTurnItNeutral() {
        ScoreFusion.Combined fixed = FIXED.combine(ANGRY_VOICE, NEUTRAL_TEXT);
        ScoreFusion.Combined confident = CONFIDENCE.combine(ANGRY_VOICE, NEUTRAL_TEXT);

        assertThat(fixed.probabilities().label()).isEqualTo(Emotion.NEUTRAL);
        assertThat(confident.probabilities().label()).isEqualTo(Emotion.ANGRY);
        assertThat(confident.speechWeight())
                .as("the certain voice gains weight")
                .isGreaterThan(fixed.speechWeight());
        assertThat(confident.speechWeight() + confident.textWeight()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void confidenceModeScalesEachWeightByOneMinusNormalisedEntropy() {
        double cs = 1 - ANGRY_VOICE.normalisedEntropy();
        double ct = 1 - NEUTRAL_TEXT.normalisedEntropy();

        ScoreFusion.Combined c = CONFIDENCE.combine(ANGRY_VOICE, NEUTRAL_TEXT);

        assertThat(c.speechWeight()).isCloseTo(0.6 * cs / (0.6 * cs + 1.0 * ct), within(1e-12));
        assertThat(c.probabilities().get(Emotion.ANGRY))
                .isCloseTo(c.speechWeight() * 0.85 + c.textWeight() * 0.05, within(1e-12));
    }

    @Test
    void confidenceModeFallsBackToTheFixedWeightsWhenBothAreUniform() {
        Distribution uniform = p(1, 1, 1, 1, 1, 1, 1);

        ScoreFusion.Combined c = CONFIDENCE.combine(uniform, uniform);

        assertThat(c.speechWeight()).isCloseTo(0.375, within(1e-12));
        assertClose(c.probabilities(), uniform);
    }

    @Test
    void aMissingModalityYieldsTheOtherAloneWithFullWeight() {
        EmotionScore speech = Scores.speech("r1#0", ANGRY_VOICE, false);
        EmotionScore text = Scores.text("r1#1", "Kids are talking by the door", NEUTRAL_TEXT);

        FusedEmotion speechOnly = CONFIDENCE.fuse(speech, null, false, NOW);
        FusedEmotion textOnly = FIXED.fuse(null, text, true, NOW);

        assertThat(speechOnly.modalities()).isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(speechOnly.probabilities()).isEqualTo(ANGRY_VOICE);
        assertThat(speechOnly.label()).isEqualTo(Emotion.ANGRY);
        assertThat(speechOnly.confidence()).isCloseTo(0.85, within(1e-12));
        assertThat(speechOnly.speechWeight()).isEqualTo(1.0);
        assertThat(speechOnly.textWeight()).isEqualTo(0.0);
        assertThat(speechOnly.text()).isNull();
        assertThat(speechOnly.transcript()).isNull();
        assertThat(speechOnly.speaker()).isEqualTo("spk-audio");
        assertThat(speechOnly.eventTime()).isEqualTo(speech.ingestedAt());

        assertThat(textOnly.modalities()).isEqualTo(Modalities.TEXT_ONLY);
        assertThat(textOnly.probabilities()).isEqualTo(NEUTRAL_TEXT);
        assertThat(textOnly.speechWeight()).isEqualTo(0.0);
        assertThat(textOnly.textWeight()).isEqualTo(1.0);
        assertThat(textOnly.speech()).isNull();
        assertThat(textOnly.transcript()).isEqualTo("Kids are talking by the door");
        assertThat(textOnly.correction()).isTrue();
    }

    @Test
    void rejectsWeightsThatCannotNormalise() {
        assertThatThrownBy(() -> FusionJoiner.of(FusionMode.FIXED, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FusionJoiner.of(FusionMode.FIXED, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FusionJoiner.of(FusionMode.FIXED, Double.NaN, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FIXED.combine(null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aZeroWeightIgnoresThatModalityWhenBothArePresent() {
        FusionJoiner speechOnly = FusionJoiner.of(FusionMode.FIXED, 1, 0);

        assertClose(speechOnly.combine(ANGRY_VOICE, NEUTRAL_TEXT).probabilities(), ANGRY_VOICE);
    }

    private static void assertClose(Distribution actual, Distribution expected) {
        for (Emotion e : Emotion.ALL) {
            assertThat(actual.get(e)).as(e.label()).isCloseTo(expected.get(e), within(1e-12));
        }
    }
}
