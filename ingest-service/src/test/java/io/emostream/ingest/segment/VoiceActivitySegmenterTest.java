package io.emostream.ingest.segment;

import io.emostream.ingest.AudioFixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class VoiceActivitySegmenterTest {

    private static final VoiceActivitySegmenter.Settings DEFAULTS =
            VoiceActivitySegmenter.Settings.fromMillis(30_000, 300, 500, 200, 12, -55, -35);

    private record Cut(double start, double end) {}

    private static List<Cut> run(VoiceActivitySegmenter.Settings s, float[] x, int blockSize) {
        List<Cut> cuts = new ArrayList<>();
        VoiceActivitySegmenter vad = new VoiceActivitySegmenter(
                s, (start, samples) -> cuts.add(new Cut(start / 16000.0, (start + samples.length) / 16000.0)));
        for (int i = 0; i < x.length; i += blockSize) {
            vad.accept(x, i, Math.min(x.length, i + blockSize));
        }
        vad.finish();
        return cuts;
    }

    @Test
    void findsEachBurstOfSpeechWithPadding() {
        float[] x = AudioFixtures.pattern(16_000, 0.5, 1.5, 0.8, 2.0, 0.5);
        List<Cut> cuts = run(DEFAULTS, x, 1000);
        assertThat(cuts).hasSize(2);
        assertThat(cuts.get(0).start()).isCloseTo(0.3, within(0.05));
        assertThat(cuts.get(0).end()).isCloseTo(2.2, within(0.05));
        assertThat(cuts.get(1).start()).isCloseTo(2.6, within(0.05));
        assertThat(cuts.get(1).end()).isCloseTo(5.0, within(0.05));
    }

    @Test
    void resultDoesNotDependOnHowTheStreamIsChunked() {
        float[] x = AudioFixtures.pattern(16_000, 0.3, 1.0, 0.7, 0.6, 1.0, 2.5, 0.2);
        assertThat(run(DEFAULTS, x, 17)).isEqualTo(run(DEFAULTS, x, 4096)).isEqualTo(run(DEFAULTS, x, x.length));
    }

    @Test
    void shortPausesDoNotSplitAndShortBlipsAreDropped() {
        // 0.3 s pause < 0.5 s min silence: one utterance; a 0.1 s blip: dropped as noise
        float[] x = AudioFixtures.pattern(16_000, 0.6, 1.0, 0.3, 1.0, 1.5, 0.1, 1.0);
        List<Cut> cuts = run(DEFAULTS, x, 320);
        assertThat(cuts).hasSize(1);
        assertThat(cuts.get(0).end() - cuts.get(0).start()).isCloseTo(2.3 + 0.4, within(0.06));
    }

    @Test
    void longSpeechIsSplitAtPausesUnderTheMaximum() {
        // 3 x 4 s of speech with 0.3 s pauses (too short to end an utterance) and a 5 s maximum
        VoiceActivitySegmenter.Settings max5 =
                VoiceActivitySegmenter.Settings.fromMillis(5_000, 300, 500, 200, 12, -55, -35);
        float[] x = AudioFixtures.pattern(16_000, 0.5, 4.0, 0.3, 4.0, 0.3, 4.0, 0.5);
        List<Cut> cuts = run(max5, x, 1600);
        assertThat(cuts).hasSizeGreaterThanOrEqualTo(3);
        for (Cut c : cuts) {
            assertThat(c.end() - c.start()).isLessThanOrEqualTo(5.0 + 1e-9);
        }
        // contiguous cover of the speech, no sample lost or duplicated between pieces
        for (int i = 1; i < cuts.size(); i++) {
            assertThat(cuts.get(i).start()).isCloseTo(cuts.get(i - 1).end(), within(1e-9));
        }
        // the first split falls in the first pause (4.5 s .. 4.8 s), not mid-word
        assertThat(cuts.get(0).end()).isBetween(4.4, 4.9);
    }

    @Test
    void silenceGivesNothingAndSpeechFromTheFirstSampleIsKept() {
        assertThat(run(DEFAULTS, AudioFixtures.pattern(16_000, 5.0), 512)).isEmpty();
        float[] x = AudioFixtures.pattern(16_000, 0.0, 2.0, 1.0);
        List<Cut> cuts = run(DEFAULTS, x, 512);
        assertThat(cuts).hasSize(1);
        assertThat(cuts.get(0).start()).isZero();
        assertThat(cuts.get(0).end()).isCloseTo(2.2, within(0.05));
    }

    @Test
    void noisyBackgroundStillSeparatesSpeech() {
        float[] x = AudioFixtures.pattern(16_000, 1.0, 1.5, 1.0, 1.5, 1.0);
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] += (float) (0.01 * r.nextGaussian()); // about -40 dBFS of noise
        }
        assertThat(run(DEFAULTS, x, 800)).hasSize(2);
    }
}
