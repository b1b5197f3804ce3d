package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The speaker-aware path of the shipped SER model (2.1+) against its PyTorch reference fixture. */
class SpeakerScoringTest {

    static SpeechEmotionModel model;

    @BeforeAll
    static void load() {
        model = SpeechEmotionModel.load(TestModels.ser(), TestModels.CPU);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void matchesThePyTorchSpeakerReference() throws Exception {
        JsonNode ref = TestModels.reference(TestModels.ser());
        double tol = ref.path("tolerance").asDouble(1e-4);
        JsonNode inputs = ref.path("speaker").path("inputs");
        assertThat(model.speakerMinUtterances()).isGreaterThan(1);
        assertThat(inputs.size()).as("speaker fixture").isGreaterThanOrEqualTo(3);
        List<float[]> audio = TestModels.referenceAudio(TestModels.ser(), inputs);
        List<Prediction> got = model.speakerScoring().score(audio);
        int windows = 0;
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode expected = inputs.get(i).path("probabilities");
            assertThat(expected.size())
                    .as("fixture %d holds 7 probabilities", i)
                    .isEqualTo(7);
            assertThat(got.get(i).modelProbabilities()).hasSize(7);
            assertThat(got.get(i).windows())
                    .isEqualTo(inputs.get(i).path("windows").asInt());
            windows += got.get(i).windows();
            for (int c = 0; c < 7; c++) {
                assertThat((double) got.get(i).modelProbabilities()[c])
                        .as("%s class %d", inputs.get(i).path("file").asText(), c)
                        .isCloseTo(expected.get(c).asDouble(), within(tol));
            }
        }
        assertThat(windows).isGreaterThan(inputs.size()); // the 9 s clip adds windows to the reference
        // speaker-aware scores differ from the speaker-independent ones (the reference moves them)
        List<Prediction> independent = model.predict(audio);
        double diff = 0;
        for (int i = 0; i < audio.size(); i++) {
            for (int c = 0; c < 7; c++) {
                diff = Math.max(
                        diff,
                        Math.abs(independent.get(i).modelProbabilities()[c]
                                - got.get(i).modelProbabilities()[c]));
            }
        }
        assertThat(diff).isGreaterThan(0.01);
    }

    @Test
    void forwardSpeakerFeaturesScoresAsForwardSpeaker() throws Exception {
        // the shipped model (2.3.1+) scores a window from its features row; forward_speaker recomputes the statistics
        // from the waveform: the same probabilities for the fixture's speaker group (several windows per utterance)
        assertThat(model.speakerScoring().method()).isEqualTo(SpeakerScoring.FORWARD_SPEAKER_FEATURES);
        List<float[]> audio = TestModels.referenceAudio(
                TestModels.ser(),
                TestModels.reference(TestModels.ser()).path("speaker").path("inputs"));
        List<Prediction> features = model.speakerScoring().score(audio);
        List<Prediction> recomputed =
                model.speakerScoring(SpeakerScoring.FORWARD_SPEAKER).score(audio);
        assertThat(recomputed).hasSameSizeAs(features);
        for (int i = 0; i < audio.size(); i++) {
            assertThat(features.get(i).windows()).isEqualTo(recomputed.get(i).windows());
            assertThat(features.get(i).modelProbabilities())
                    .as("utterance %d", i)
                    .containsExactly(recomputed.get(i).modelProbabilities(), within(1e-5f));
        }
        assertThatThrownBy(() -> model.speakerScoring("forward")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shortWindowsRunOnTheirLengthsModuleWithTheScoresOfTheWindowLengthsModule() throws Exception {
        // on the CPU a window shorter than 4 s runs on the module of the shortest padded length that holds it (as the
        // speaker-independent path); a model loaded without those modules pads every window to 4 s: same scores
        List<float[]> reference = TestModels.referenceAudio(
                TestModels.ser(),
                TestModels.reference(TestModels.ser()).path("speaker").path("inputs"));
        List<float[]> audio = new ArrayList<>();
        int[] lengths = {14_000, 24_000, 31_000, 47_000, 52_000, 90_000}; // 1 s, 2 s, 3 s, 4 s modules; 2 windows
        for (int i = 0; i < lengths.length; i++) {
            float[] src = reference.get(i % reference.size());
            audio.add(java.util.Arrays.copyOf(src, Math.min(lengths[i], src.length)));
        }
        assertThat(audio.stream().mapToInt(a -> a.length).min().orElseThrow()).isLessThan(16_000);
        List<Prediction> bucketed = model.speakerScoring().score(audio);
        String key = "emostream.models.speech-buckets";
        System.setProperty(key, "false");
        try (SpeechEmotionModel padded = SpeechEmotionModel.load(TestModels.ser(), TestModels.CPU)) {
            List<Prediction> fourSeconds = padded.speakerScoring().score(audio);
            for (int i = 0; i < audio.size(); i++) {
                assertThat(bucketed.get(i).modelProbabilities())
                        .as("utterance of %d samples", audio.get(i).length)
                        .containsExactly(fourSeconds.get(i).modelProbabilities(), within(1e-5f));
            }
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void theSameSetInAnyOrderGivesTheSameScores() throws Exception {
        List<float[]> audio = TestModels.referenceAudio(
                TestModels.ser(),
                TestModels.reference(TestModels.ser()).path("speaker").path("inputs"));
        List<Prediction> a = model.speakerScoring().score(audio);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < audio.size(); i++) {
            order.add(i);
        }
        Collections.reverse(order);
        Collections.swap(order, 0, 2);
        List<float[]> shuffled = new ArrayList<>();
        order.forEach(i -> shuffled.add(audio.get(i)));
        List<Prediction> b = model.speakerScoring().score(shuffled);
        for (int k = 0; k < order.size(); k++) {
            assertThat(b.get(k).modelProbabilities())
                    .containsExactly(a.get(order.get(k)).modelProbabilities());
        }
    }

    @Test
    void fewerUtterancesThanTheMinimumGetTheSpeakerIndependentScores() {
        List<float[]> audio = List.of(TestModels.tone(20000, 150, 1), TestModels.tone(30000, 210, 2));
        assertThat(audio.size()).isLessThan(model.speakerMinUtterances());
        List<Prediction> speaker = model.predictSpeaker(audio);
        List<Prediction> independent = model.predict(audio);
        for (int i = 0; i < audio.size(); i++) {
            assertThat(speaker.get(i).modelProbabilities())
                    .containsExactly(independent.get(i).modelProbabilities());
        }
        assertThatThrownBy(() -> model.speakerScoring().score(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void referenceIsTheMeanAndSampleStdPlusEpsilonInAnyOrder() {
        float[][] rows = {{1f, 10f}, {3f, 10f}, {5f, 13f}};
        float[][] r = SpeakerScoring.reference(rows);
        assertThat(r[0]).containsExactly(new float[] {3f, 11f}, within(1e-6f));
        // sample std (n - 1): sqrt(8 / 2) = 2, sqrt(6 / 2) = sqrt(3); + 1e-3
        assertThat(r[1]).containsExactly(new float[] {2.001f, (float) (Math.sqrt(3) + 1e-3)}, within(1e-6f));
        float[][] reversed = {rows[2], rows[0], rows[1]};
        assertThat(SpeakerScoring.reference(reversed)[1]).containsExactly(r[1]);
        assertThat(SpeakerScoring.reference(new float[][] {{2f, 4f}})[1]).containsExactly(1f, 1f);
        assertThatThrownBy(() -> SpeakerScoring.reference(new float[0][])).isInstanceOf(IllegalArgumentException.class);
    }
}
