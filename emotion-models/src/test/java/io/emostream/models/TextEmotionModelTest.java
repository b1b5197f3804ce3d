package io.emostream.models;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TextEmotionModelTest {

    static TextEmotionModel model;

    @BeforeAll
    static void load() {
        model = TextEmotionModel.load(TestModels.ter(), TestModels.CPU);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void matchesPyTorchReferenceOutputs() throws Exception {
        JsonNode ref = TestModels.reference(TestModels.ter());
        double tol = ref.path("tolerance").asDouble(1e-4);
        List<String> texts = new ArrayList<>();
        ref.path("inputs").forEach(n -> texts.add(n.path("text").asText()));
        assertThat(texts).hasSizeGreaterThanOrEqualTo(3);
        long[][] ids = model.encoder().tokenize(texts);
        List<Prediction> preds = model.predict(texts);
        for (int k = 0; k < texts.size(); k++) {
            JsonNode in = ref.path("inputs").get(k);
            long[] expectedIds = new long[in.path("ids").size()];
            for (int i = 0; i < expectedIds.length; i++) {
                expectedIds[i] = in.path("ids").get(i).asLong();
            }
            assertThat(ids[k]).as("token ids of '%s'", texts.get(k)).containsExactly(expectedIds);
            JsonNode expected = in.path("probabilities");
            for (int i = 0; i < expected.size(); i++) {
                assertThat((double) preds.get(k).modelProbabilities()[i]).as("'%s' class %d", texts.get(k), i)
                        .isCloseTo(expected.get(i).asDouble(), within(tol));
            }
        }
    }

    @Test
    void batchedEqualsSingleForDifferentLengths() {
        List<String> texts = List.of("Oh my God!", "I am so sorry for your loss, I really am.",
                "What?", "You know what, I'm done with this, I am absolutely done, get out of my apartment right now!");
        List<Prediction> batched = model.predict(texts);
        for (int i = 0; i < texts.size(); i++) {
            Prediction single = model.predict(texts.get(i));
            assertThat(batched.get(i).modelProbabilities()).containsExactly(single.modelProbabilities(), within(1e-4f));
            assertThat(batched.get(i).windows()).isEqualTo(1);
        }
    }

    @Test
    void concurrentCallersGetTheSameResults() throws Exception {
        String text = "Are you kidding me? That's amazing!";
        float[] expected = model.predict(text).modelProbabilities();
        List<float[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 5; i++) {
                    results.add(model.predict(List.of(text, "no")).get(0).modelProbabilities());
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(results).hasSize(20).allSatisfy(r -> assertThat(r).containsExactly(expected, within(1e-4f)));
    }

    @Test
    void truncatesLongTextAndRejectsEmptyText() {
        String longText = "this is a very long sentence ".repeat(100);
        assertThat(model.encoder().tokenize(List.of(longText))[0]).hasSize(model.manifest().maxTokens());
        assertThat(model.predict(longText).canonical()).isNotNull();
        assertThatThrownBy(() -> model.predict("  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> model.predict(List.of("fine", ""))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input 1");
    }

    @Test
    void loaderPicksTheTextModelByModality() {
        try (EmotionModel<?> m = ModelLoader.load(TestModels.ter(), TestModels.CPU)) {
            assertThat(m).isInstanceOf(TextEmotionModel.class);
            assertThat(m.manifest().ref().name()).isEqualTo(model.manifest().name());
        }
    }
}
