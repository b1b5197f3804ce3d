package io.emostream.contracts;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LabelsAndIdsTest {

    @Test
    void datasetLabelsMapToCanonical() {
        assertThat(EmotionLabels.toCanonical("calm")).contains(Emotion.NEUTRAL);
        assertThat(EmotionLabels.toCanonical("Joyful")).contains(Emotion.HAPPY);
        assertThat(EmotionLabels.toCanonical("joy")).contains(Emotion.HAPPY);
        assertThat(EmotionLabels.toCanonical("Mad")).contains(Emotion.ANGRY);
        assertThat(EmotionLabels.toCanonical("sadness")).contains(Emotion.SAD);
        assertThat(EmotionLabels.toCanonical("fearful")).contains(Emotion.FEAR);
        assertThat(EmotionLabels.toCanonical("Scared")).contains(Emotion.FEAR);
        assertThat(EmotionLabels.toCanonical("surprised")).contains(Emotion.SURPRISE);
        assertThat(EmotionLabels.toCanonical("Powerful")).isEmpty();
        assertThat(EmotionLabels.toCanonical(null)).isEmpty();
    }

    @Test
    void fourClassProjection() {
        assertThat(Emotion.FOUR_CLASS)
                .containsExactlyInAnyOrder(Emotion.NEUTRAL, Emotion.HAPPY, Emotion.ANGRY, Emotion.SAD);
        assertThat(Emotion.FEAR.fourClass()).isEmpty();
        Distribution d = Distribution.of(0.1, 0.2, 0.0, 0.1, 0.6, 0.0, 0.0);
        assertThat(d.label()).isEqualTo(Emotion.FEAR);
        Distribution four = d.fourClass();
        assertThat(four.label()).isEqualTo(Emotion.HAPPY);
        assertThat(four.get(Emotion.HAPPY)).isCloseTo(0.5, within(1e-12));
        assertThat(four.get(Emotion.FEAR)).isZero();
        assertThat(Distribution.certain(Emotion.DISGUST).fourClass().get(Emotion.NEUTRAL))
                .isCloseTo(0.25, within(1e-12));
    }

    @Test
    void modelOutputWithOwnLabelsIsMappedAndRenormalised() {
        // a RAVDESS-style model: calm and neutral both land on neutral, "boredom" has no canonical label
        List<String> labels = List.of("neutral", "calm", "happy", "angry", "boredom");
        Distribution d = Distribution.fromModelOutput(labels, new float[] {0.1f, 0.2f, 0.3f, 0.2f, 0.2f});
        assertThat(d.get(Emotion.NEUTRAL)).isCloseTo(0.375, within(1e-6));
        assertThat(d.get(Emotion.HAPPY)).isCloseTo(0.375, within(1e-6));
        assertThat(d.get(Emotion.ANGRY)).isCloseTo(0.25, within(1e-6));
        assertThat(d.get(Emotion.SAD)).isZero();
        assertThatThrownBy(() -> Distribution.fromModelOutput(labels, new float[] {1f}))
                .hasMessageContaining("declares 5 labels");
    }

    @Test
    void distributionRejectsGarbage() {
        assertThatThrownBy(() -> Distribution.of(1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Distribution.of(Double.NaN, 0, 0, 0, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Distribution.of(0, 0, 0, 0, 0, 0, 0)).hasMessageContaining("zero");
        assertThatThrownBy(() -> Distribution.fromMap(Map.of("bored", 1.0))).hasMessageContaining("bored");
    }

    @Test
    void entropy() {
        assertThat(Distribution.certain(Emotion.SAD).normalisedEntropy()).isZero();
        assertThat(Distribution.of(1, 1, 1, 1, 1, 1, 1).normalisedEntropy()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void utteranceIds() {
        assertThat(UtteranceId.of("call-2026-11-22:agent", 7)).isEqualTo("call-2026-11-22:agent#7");
        UtteranceId id = UtteranceId.parse("rec.1#12");
        assertThat(id.recordingId()).isEqualTo("rec.1");
        assertThat(id.index()).isEqualTo(12);
        assertThatThrownBy(() -> UtteranceId.parse("no-index")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UtteranceId.parse("rec#x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UtteranceId.of("bad#id", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UtteranceId.of("ok", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(UtteranceId.isValidRecordingId("")).isFalse();
        assertThat(UtteranceId.isValidRecordingId("a".repeat(129))).isFalse();
        assertThat(UtteranceId.isValidRecordingId("../etc/passwd")).isFalse();
    }

    @Test
    void pcmClipsAndSanitises() {
        byte[] b = PcmAudio.encode(new float[] {2f, -3f, Float.NaN});
        float[] back = PcmAudio.decode(b);
        assertThat(back[0]).isCloseTo(32767f / 32768f, within(1e-6f));
        assertThat(back[1]).isEqualTo(-1f);
        assertThat(back[2]).isZero();
        assertThatThrownBy(() -> PcmAudio.decode(new byte[3])).isInstanceOf(IllegalArgumentException.class);
        assertThat(PcmAudio.durationMs(16_000)).isEqualTo(1000);
    }

    @Test
    void pcmEncodeAndDecodeMatchTheByteWiseFormulasForEveryKindOfSample() {
        java.util.Random r = new java.util.Random(21);
        float[] f = new float[200_000];
        for (int i = 0; i < f.length; i++) {
            f[i] = switch (i % 5) {
                case 0 -> r.nextFloat() * 2 - 1;
                case 1 -> (float) r.nextGaussian() * 2;
                case 2 -> Math.nextAfter(1f, 0) - r.nextInt(64) * Math.ulp(1f);
                case 3 -> -Math.nextAfter(1f, 0) + r.nextInt(64) * Math.ulp(1f);
                default -> (r.nextInt(65_536) - 32_768 + 0.5f) / 32768f;
            };
        }
        float[] edges = {
            1f,
            -1f,
            0f,
            -0f,
            Float.NaN,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            32767.5f / 32768f,
            -32767.5f / 32768f,
            -32768.5f / 32768f,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.MIN_VALUE
        };
        System.arraycopy(edges, 0, f, 3, edges.length); // the encoded range starts at 3
        byte[] b = PcmAudio.encode(f, 3, f.length);
        for (int i = 3; i < f.length; i++) {
            float v = f[i];
            int s = Float.isNaN(v)
                    ? 0
                    : v >= 1f ? Short.MAX_VALUE : v <= -1f ? Short.MIN_VALUE : Math.round(v * 32768f);
            s = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, s));
            int j = (i - 3) * 2;
            assertThat((short) ((b[j] & 0xff) | (b[j + 1] << 8)))
                    .as("sample %s", v)
                    .isEqualTo((short) s);
        }
        float[] back = PcmAudio.decode(b);
        for (int i = 0, j = 0; i < back.length; i++, j += 2) {
            assertThat(back[i]).isEqualTo((short) ((b[j] & 0xff) | (b[j + 1] << 8)) / 32768f);
        }
    }

    @Test
    void topicsAreUniqueAndCoverEveryName() {
        assertThat(Topics.ALL)
                .extracting(Topics.TopicSpec::name)
                .doesNotHaveDuplicates()
                .contains(
                        Topics.RECORDINGS,
                        Topics.TRANSCRIPTS,
                        Topics.UTTERANCES_AUDIO,
                        Topics.UTTERANCES_TEXT,
                        Topics.SCORES_SPEECH,
                        Topics.SCORES_TEXT,
                        Topics.EMOTIONS,
                        Topics.RECORDING_STATUS,
                        Topics.DEADLETTER);
    }
}
