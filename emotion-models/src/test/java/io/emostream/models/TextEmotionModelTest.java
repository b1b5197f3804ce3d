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
        int classes = model.manifest().labels().size();
        int dims = model.manifest().dimensions().size();
        List<TextInput> inputs = new ArrayList<>();
        ref.path("inputs").forEach(n -> {
            List<TextInput.Turn> ctx = new ArrayList<>();
            n.path("context")
                    .forEach(c -> ctx.add(new TextInput.Turn(
                            c.path("speaker").asText(null), c.path("text").asText())));
            inputs.add(new TextInput(n.path("text").asText(), n.path("speaker").asText(null), ctx));
        });
        // an empty or truncated fixture must fail, not pass vacuously
        assertThat(inputs).hasSizeGreaterThanOrEqualTo(3);
        assertThat(inputs)
                .as("fixtures with dialogue context")
                .anySatisfy(i -> assertThat(i.context()).isNotEmpty());
        long[][] ids =
                model.encoder().tokenize(inputs.stream().map(TextInput::text).toList());
        List<Prediction> preds = model.predictWithContext(inputs);
        for (int k = 0; k < inputs.size(); k++) {
            JsonNode in = ref.path("inputs").get(k);
            long[] expectedIds = new long[in.path("ids").size()];
            for (int i = 0; i < expectedIds.length; i++) {
                expectedIds[i] = in.path("ids").get(i).asLong();
            }
            String text = inputs.get(k).text();
            assertThat(ids[k]).as("token ids of '%s'", text).containsExactly(expectedIds);
            JsonNode expected = in.path("probabilities");
            assertThat(expected.size())
                    .as("'%s': probabilities in the fixture", text)
                    .isEqualTo(classes);
            assertThat(preds.get(k).modelProbabilities()).hasSize(classes);
            for (int i = 0; i < classes; i++) {
                assertThat((double) preds.get(k).modelProbabilities()[i])
                        .as("'%s' class %d", text, i)
                        .isCloseTo(expected.get(i).asDouble(), within(tol));
            }
            JsonNode expectedDims = in.path("dimensions");
            assertThat(expectedDims.size())
                    .as("'%s': dimensions in the fixture", text)
                    .isEqualTo(dims);
            if (dims > 0) {
                assertThat(preds.get(k).dimensions()).hasSize(dims);
                for (int i = 0; i < dims; i++) {
                    String name = model.manifest().dimensions().get(i);
                    assertThat(preds.get(k).dimensions().get(name))
                            .as("'%s' %s", text, name)
                            .isCloseTo(expectedDims.get(i).asDouble(), within(tol));
                }
            }
        }
    }

    @Test
    void contextChangesTheScoreAndIsDeterministic() {
        TextInput alone = TextInput.of("Really?");
        TextInput afterGoodNews = new TextInput("Really?", "B", List.of(new TextInput.Turn("A", "I got the job!")));
        TextInput afterBadNews = new TextInput("Really?", "B", List.of(new TextInput.Turn("A", "My dog died.")));
        List<Prediction> p = model.predictWithContext(List.of(alone, afterGoodNews, afterBadNews));
        assertThat(model.contextTurns()).isPositive();
        assertThat(p.get(1).modelProbabilities()).isNotEqualTo(p.get(0).modelProbabilities());
        assertThat(p.get(1).modelProbabilities()).isNotEqualTo(p.get(2).modelProbabilities());
        // plain predict() is the no-context case; blank turns are ignored; the same input gives the same scores
        // (batched with other inputs or not: the head's float sums differ by ~1e-8 with the padding)
        assertThat(model.predict("Really?").modelProbabilities())
                .containsExactly(p.get(0).modelProbabilities(), within(1e-6f));
        TextInput withBlank = new TextInput(
                "Really?", "B", List.of(new TextInput.Turn("A", "I got the job!"), new TextInput.Turn("B", "  ")));
        assertThat(model.predictWithContext(List.of(withBlank)).get(0).modelProbabilities())
                .containsExactly(p.get(1).modelProbabilities(), within(1e-6f));
        assertThat(model.predictWithContext(List.of(afterBadNews, alone)).get(0).modelProbabilities())
                .containsExactly(p.get(2).modelProbabilities(), within(1e-6f));
        assertThat(model.predictWithContext(List.of(afterBadNews)).get(0).modelProbabilities())
                .containsExactly(
                        model.predictWithContext(List.of(afterBadNews)).get(0).modelProbabilities());
        // the valence head: good news reads as more positive than bad news
        List<Prediction> v =
                model.predict(List.of("This is wonderful, I love you all!", "This is awful, everything is ruined."));
        assertThat(v.get(0).dimensions().get("valence"))
                .isGreaterThan(v.get(1).dimensions().get("valence"));
    }

    @Test
    void batchedEqualsSingleForDifferentLengths() {
        List<String> texts = List.of(
                "Oh my God!",
                "I am so sorry for your loss, I really am.",
                "What?",
                "You know what, I'm done with this, I am absolutely done, get out of my apartment right now!");
        List<Prediction> batched = model.predict(texts);
        for (int i = 0; i < texts.size(); i++) {
            Prediction single = model.predict(texts.get(i));
            assertThat(batched.get(i).modelProbabilities()).containsExactly(single.modelProbabilities(), within(1e-4f));
            if (single.dimensions() != null) {
                Prediction b = batched.get(i);
                single.dimensions()
                        .forEach((k, v) -> assertThat(b.dimensions().get(k)).isCloseTo(v, within(1e-4)));
            }
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
        assertThat(model.encoder().tokenize(List.of(longText))[0])
                .hasSize(model.manifest().maxTokens());
        assertThat(model.predict(longText).canonical()).isNotNull();
        assertThatThrownBy(() -> model.predict("  "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> model.predict(List.of("fine", "")))
                .isInstanceOf(IllegalArgumentException.class)
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
