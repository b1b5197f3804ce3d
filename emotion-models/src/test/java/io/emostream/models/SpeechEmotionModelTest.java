package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.models.audio.AudioFileReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SpeechEmotionModelTest {

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
    void matchesPyTorchReferenceOutputs() throws Exception {
        JsonNode ref = TestModels.reference(TestModels.ser());
        double tol = ref.path("tolerance").asDouble(1e-4);
        JsonNode inputs = ref.path("inputs");
        assertThat(inputs.size()).isGreaterThanOrEqualTo(2);
        List<float[]> audio = TestModels.referenceAudio(TestModels.ser(), inputs);
        for (int k = 0; k < inputs.size(); k++) {
            JsonNode in = inputs.get(k);
            String wav = in.path("file").asText();
            Prediction p = model.predict(audio.get(k));
            assertThat(p.windows()).isEqualTo(in.path("windows").asInt());
            JsonNode expected = in.path("probabilities");
            for (int i = 0; i < expected.size(); i++) {
                assertThat((double) p.modelProbabilities()[i])
                        .as(wav + " class " + i)
                        .isCloseTo(expected.get(i).asDouble(), within(tol));
            }
        }
    }

    @Test
    void batchedEqualsSingleForDifferentLengths() {
        // 0.3 s, 1.7 s, 3 s, and 9.5 s (several windows averaged)
        List<float[]> inputs = List.of(
                TestModels.tone(4800, 180, 1),
                TestModels.tone(27200, 220, 2),
                TestModels.tone(48000, 140, 3),
                TestModels.tone(152000, 260, 4));
        List<Prediction> batched = model.predict(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            Prediction single = model.predict(inputs.get(i));
            assertThat(batched.get(i).windows()).isEqualTo(single.windows());
            for (int c = 0; c < single.modelProbabilities().length; c++) {
                assertThat(batched.get(i).modelProbabilities()[c])
                        .isCloseTo(single.modelProbabilities()[c], within(1e-4f));
            }
        }
        assertThat(batched.get(3).windows()).isEqualTo(4);
        double sum = 0;
        for (float v : batched.get(0).modelProbabilities()) {
            sum += v;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-4));
    }

    @Test
    void aMixedLengthBatchOfRealSpeechScoresAsEachAloneWithin1e5() throws Exception {
        // real recordings and cuts of them from 0.3 s to 8.5 s, shuffled: the windows are reordered longest first,
        // padded (on the CPU to whole seconds up to the window, one per pass, a module per padded length) and their
        // results averaged back per utterance
        Path ref = TestModels.ser().resolve("reference");
        float[] longer = AudioFileReader.read(ref.resolve("long-9s.wav"), 16000);
        float[] angry = AudioFileReader.read(ref.resolve("espeak-angry-ish.wav"), 16000);
        float[] tone = AudioFileReader.read(ref.resolve("tone.wav"), 16000);
        List<float[]> inputs = new ArrayList<>();
        int[] cuts = {4800, 17600, 40000, 63999, 64000, 64001, 85000, 100000, 130000};
        for (int i = 0; i < cuts.length; i++) {
            float[] source = i % 2 == 0 ? longer : angry;
            inputs.add(Arrays.copyOfRange(source, 0, Math.min(cuts[i], source.length)));
        }
        inputs.add(2, longer);
        inputs.add(5, angry);
        inputs.add(tone);
        inputs.add(Arrays.copyOfRange(longer, 30000, 30000 + 52000));
        int windows = 0;
        for (float[] in : inputs) {
            windows += SpeechEmotionModel.windows(in, 64000, 32000).size();
        }
        assertThat(windows).isGreaterThan(inputs.size() + 4); // several utterances of several windows each
        List<Prediction> batched = model.predict(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            Prediction single = model.predict(inputs.get(i));
            assertThat(batched.get(i).windows()).as("input " + i).isEqualTo(single.windows());
            assertThat(batched.get(i).modelProbabilities())
                    .as("input %d (%d samples)", i, inputs.get(i).length)
                    .containsExactly(single.modelProbabilities(), within(1e-5f));
        }
    }

    @Test
    void onTheCpuWindowsArePaddedToWholeSecondsUpToTheWindow() {
        assertThat(SpeechEmotionModel.paddedLengths(64_000, 16_000)).containsExactly(16_000, 32_000, 48_000, 64_000);
        assertThat(SpeechEmotionModel.paddedLengths(72_000, 16_000))
                .containsExactly(16_000, 32_000, 48_000, 64_000, 72_000);
        assertThat(SpeechEmotionModel.paddedLengths(16_000, 16_000)).containsExactly(16_000);
    }

    @Test
    void passesHoldWindowsOfSimilarLengthWithinTheBudget() {
        List<float[]> w = List.of(
                new float[100],
                new float[40],
                new float[95],
                new float[100],
                new float[80],
                new float[70],
                new float[100]);
        int[] order = SpeechEmotionModel.longestFirst(w);
        assertThat(order).containsExactly(0, 3, 6, 2, 4, 5, 1);
        List<int[]> passes = SpeechEmotionModel.passes(w, order, 64, 300);
        // at most 3 × 100 samples; 70 < 3/4 of 95 and 40 < 3/4 of 70 start passes of their own
        assertThat(passes).containsExactly(new int[] {0, 3, 6}, new int[] {2, 4}, new int[] {5}, new int[] {1});
        assertThat(SpeechEmotionModel.passes(w, order, 2, Long.MAX_VALUE)).hasSize(4);
        assertThat(SpeechEmotionModel.passes(List.of(), new int[0], 64, 300)).isEmpty();
    }

    @Test
    void concurrentCallersGetTheSameResults() throws Exception {
        float[] a = TestModels.tone(32000, 200, 7);
        float[] expected = model.predict(a).modelProbabilities();
        List<Thread> threads = new ArrayList<>();
        List<float[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> results.add(model.predict(a).modelProbabilities()));
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(results).hasSize(4).allSatisfy(r -> assertThat(r).containsExactly(expected, within(1e-5f)));
    }

    @Test
    void windowsCoverTheWholeInput() {
        float[] w = new float[10];
        for (int i = 0; i < w.length; i++) {
            w[i] = i;
        }
        List<float[]> ws = SpeechEmotionModel.windows(w, 4, 2);
        assertThat(ws).hasSize(4);
        assertThat(ws.get(3)).containsExactly(6, 7, 8, 9);
        assertThat(SpeechEmotionModel.windows(w, 10, 5)).hasSize(1);
        assertThat(SpeechEmotionModel.windows(Arrays.copyOf(w, 9), 4, 2)).hasSize(4);
    }

    @Test
    void rejectsTooShortAudioAndCleansNonFiniteSamples() {
        assertThatThrownBy(() -> model.predict(new float[100]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too short");
        assertThatThrownBy(() -> model.predict(List.of(TestModels.tone(16000, 200, 1), new float[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input 1");
        float[] dirty = TestModels.tone(16000, 200, 1);
        float[] clean = dirty.clone();
        dirty[100] = Float.NaN;
        dirty[200] = Float.POSITIVE_INFINITY;
        clean[100] = 0;
        clean[200] = 0;
        assertThat(model.predict(dirty).modelProbabilities())
                .containsExactly(model.predict(clean).modelProbabilities(), within(1e-6f));
    }

    @Test
    void silenceGivesAValidDistribution() {
        Prediction p = model.predict(new float[16000]);
        assertThat(p.canonical().confidence()).isBetween(0.0, 1.0);
        for (float v : p.modelProbabilities()) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }
}
