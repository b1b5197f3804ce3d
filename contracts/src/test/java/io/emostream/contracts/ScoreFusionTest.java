package io.emostream.contracts;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The shared fusion maths; fusion-service's FusionJoinerTest / FusionGateTest cover the modes in depth. */
class ScoreFusionTest {

    private static final Distribution ANGRY = Distribution.of(0.025, 0.025, 0.025, 0.85, 0.025, 0.025, 0.025);
    private static final Distribution NEUTRAL = Distribution.of(0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05);

    @Test
    void theDefaultsAreTheGatedModeWithTheShippedGateAndThePaperWeights() {
        ScoreFusion d = ScoreFusion.defaults();
        assertThat(d.mode()).isEqualTo(FusionMode.GATED);
        assertThat(d.speechWeight()).isEqualTo(0.6);
        assertThat(d.textWeight()).isEqualTo(1.0);
        ScoreFusion.Combined c = d.combine(ANGRY, NEUTRAL);
        double w = FusionGate.defaults().speechWeight(ANGRY, NEUTRAL);
        assertThat(c.speechWeight()).isCloseTo(w, within(1e-12));
        assertThat(c.probabilities().get(Emotion.ANGRY)).isCloseTo(w * 0.85 + (1 - w) * 0.05, within(1e-9));
    }

    @Test
    void fixedMixesWithTheNormalisedWeightsAndOneModalityIsItself() {
        ScoreFusion fixed = ScoreFusion.defaults(FusionMode.FIXED);
        ScoreFusion.Combined c = fixed.combine(ANGRY, NEUTRAL);
        assertThat(c.speechWeight()).isCloseTo(0.375, within(1e-12));
        assertThat(c.probabilities().label()).isEqualTo(Emotion.NEUTRAL);
        assertThat(fixed.combine(ANGRY, null).probabilities()).isEqualTo(ANGRY);
        assertThat(fixed.combine(null, NEUTRAL).textWeight()).isEqualTo(1.0);
        assertThatThrownBy(() -> fixed.combine(null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ScoreFusion(FusionMode.GATED, 0.6, 1.0, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
