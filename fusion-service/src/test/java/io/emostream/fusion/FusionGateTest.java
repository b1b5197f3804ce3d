package io.emostream.fusion;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.FusionGate;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.ScoreFusion;
import io.emostream.fusion.config.FusionSettings;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static io.emostream.fusion.Scores.ANGRY_VOICE;
import static io.emostream.fusion.Scores.NEUTRAL_TEXT;
import static io.emostream.fusion.Scores.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FusionGateTest {

    /** θ: bias 0.5, c_speech +2, c_text −1, ln p_speech.angry +1, ln p_text.neutral −3 (everything else 0). */
    private static final double[] THETA = {0.5, 2, -1, 0, 0, 0, 1, 0, 0, 0, -3, 0, 0, 0, 0, 0, 0};

    @Test
    void speechWeightIsTheSigmoidOfThetaDotFeatures() {
        FusionGate gate = new FusionGate(THETA);
        double cs = FusionJoiner.certainty(ANGRY_VOICE);
        double ct = FusionJoiner.certainty(NEUTRAL_TEXT);
        double z = 0.5 + 2 * cs - ct + Math.log(0.85) - 3 * Math.log(0.7);
        assertThat(gate.speechWeight(ANGRY_VOICE, NEUTRAL_TEXT)).isCloseTo(1 / (1 + Math.exp(-z)), within(1e-12));
        // the same distributions swapped: different features, different weight
        double z2 = 0.5 + 2 * ct - cs + Math.log(0.05) - 3 * Math.log(0.025);
        assertThat(gate.speechWeight(NEUTRAL_TEXT, ANGRY_VOICE)).isCloseTo(1 / (1 + Math.exp(-z2)), within(1e-12));
    }

    @Test
    void gatedModeMixesWithTheGateWeightAndReportsIt() {
        FusionGate gate = new FusionGate(THETA);
        FusionJoiner j = new FusionJoiner(FusionMode.GATED, 0.6, 1.0, gate, Clock.systemUTC());
        ScoreFusion.Combined c = j.combine(ANGRY_VOICE, NEUTRAL_TEXT);
        double w = gate.speechWeight(ANGRY_VOICE, NEUTRAL_TEXT);
        assertThat(c.speechWeight()).isCloseTo(w, within(1e-12));
        assertThat(c.textWeight()).isCloseTo(1 - w, within(1e-12));
        for (Emotion e : Emotion.ALL) {
            assertThat(c.probabilities().get(e))
                    .as(e.label())
                    .isCloseTo(w * ANGRY_VOICE.get(e) + (1 - w) * NEUTRAL_TEXT.get(e), within(1e-12));
        }
        // one modality alone is passed through, as in the other modes
        assertThat(j.combine(ANGRY_VOICE, null).probabilities()).isEqualTo(ANGRY_VOICE);
    }

    @Test
    void theShippedGateMatchesTrainingAndTrustsTheInformativeModality() {
        FusionSettings d = FusionSettings.defaults();
        assertThat(d.mode()).isEqualTo(FusionMode.GATED);
        FusionJoiner j = new FusionJoiner(FusionMode.GATED, 0.6, 1.0, d.gate(), Clock.systemUTC());
        // the RAVDESS case: an angry voice, "Kids are talking by the door" as TER 3.1.0 scores it
        Distribution kids = p(0.3961458, 0.08778622, 0.1093068, 0.09536975, 0.1421622, 0.0885051, 0.08072413);
        ScoreFusion.Combined c = j.combine(ANGRY_VOICE, kids);
        // the weight training/fusion/fusion_eval.py computes for these inputs and the shipped θ: 0.59839550
        assertThat(c.speechWeight()).isCloseTo(0.59839550, within(1e-8));
        assertThat(c.probabilities().label()).isEqualTo(Emotion.ANGRY);
        // the same voice with the sentence as TER 2.0 scored it (fusion_eval's behaviour case): still the voice's label
        Distribution kids20 = p(0.4940, 0.0675, 0.0579, 0.0898, 0.0945, 0.1248, 0.0716);
        assertThat(j.combine(ANGRY_VOICE, kids20).speechWeight()).isCloseTo(0.60186147, within(1e-8));
        assertThat(j.combine(ANGRY_VOICE, kids20).probabilities().label()).isEqualTo(Emotion.ANGRY);
        // emotional text with an uninformative voice: the text carries the mix (fusion_eval: 0.24049470)
        Distribution angryText = p(0.05, 0.05, 0.05, 0.8, 0.02, 0.02, 0.01);
        assertThat(j.combine(NEUTRAL_TEXT, angryText).speechWeight()).isCloseTo(0.24049470, within(1e-8));
        assertThat(j.combine(NEUTRAL_TEXT, angryText).probabilities().label()).isEqualTo(Emotion.ANGRY);
    }

    @Test
    void rejectsMalformedWeights() {
        assertThatThrownBy(() -> new FusionGate(new double[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("17");
        double[] nan = THETA.clone();
        nan[4] = Double.NaN;
        assertThatThrownBy(() -> new FusionGate(nan)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FusionGate.parse("1,2,x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("emostream.fusion.gate");
        assertThat(FusionGate.parse(new FusionGate(THETA).toString()).speechWeight(ANGRY_VOICE, NEUTRAL_TEXT))
                .isCloseTo(new FusionGate(THETA).speechWeight(ANGRY_VOICE, NEUTRAL_TEXT), within(1e-9));
        assertThatThrownBy(() -> new FusionJoiner(FusionMode.GATED, 0.6, 1.0, null, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gate");
    }
}
