package io.emostream.inference.messaging;

import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceText;
import io.emostream.inference.TestUtterances;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.EmotionModel;
import io.emostream.models.TextEmotionModel;
import io.emostream.models.TextInput;
import io.emostream.testsupport.KafkaResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * A micro-batch gives every utterance the same scores it gets alone (padding and windowing do not leak). Uses the
 * models the service loaded (PyTorch natives load once per JVM).
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class BatchedEqualsSingleTest {

    @Inject
    ModelRegistry registry;

    @Inject
    Tracer tracer;

    private EmotionModel<float[]> ser;
    private EmotionModel<TextInput> ter;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void models() {
        await().atMost(Duration.ofMinutes(3))
                .until(() -> registry.get(Modality.SPEECH) != null && registry.get(Modality.TEXT) != null);
        ser = (EmotionModel<float[]>) registry.get(Modality.SPEECH);
        ter = ((TextEmotionModel) registry.get(Modality.TEXT)).contextual();
    }

    private static BatchScorer.Arrived arrived(ProducerRecord<String, byte[]> p, int offset) {
        ConsumerRecord<byte[], byte[]> c =
                new ConsumerRecord<>(p.topic(), 0, offset, p.key().getBytes(StandardCharsets.UTF_8), p.value());
        p.headers().forEach(h -> c.headers().add(h));
        return new BatchScorer.Arrived(c, System.nanoTime());
    }

    private static List<EmotionScore> scores(List<ProducerRecord<byte[], byte[]>> out) {
        return out.stream()
                .map(r -> EventSerdes.EMOTION_SCORE.deserialize(r.topic(), r.value()))
                .toList();
    }

    @Test
    void speechUtterancesOfDifferentLengths() {
        BatchScorer<float[]> scorer = new BatchScorer<>(
                ser,
                Inputs::audio,
                Topics.SCORES_SPEECH,
                new InferenceMetrics(new SimpleMeterRegistry(), Modality.SPEECH, new ModelRef("t", "1")),
                tracer,
                "inference-service");
        float[] angry = TestUtterances.sample("angry-refund.wav");
        float[] sad = TestUtterances.sample("sad-goodbye.wav");
        float[] happy = TestUtterances.sample("happy-news.wav");
        float[] longCall = TestUtterances.sample("call-support.wav"); // 15 s: several windows
        List<float[]> inputs = List.of(angry, java.util.Arrays.copyOf(sad, 12_000), happy, longCall, sad);
        List<BatchScorer.Arrived> batch = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            batch.add(arrived(TestUtterances.audio("batch", i, inputs.get(i), false), i));
        }
        List<EmotionScore> together = scores(scorer.score(batch));
        assertThat(together).hasSize(inputs.size());
        assertThat(together.get(3).timing().windows()).isGreaterThan(1);
        for (int i = 0; i < batch.size(); i++) {
            EmotionScore alone = scores(scorer.score(List.of(batch.get(i)))).get(0);
            assertThat(together.get(i).timing().batchSize()).isEqualTo(inputs.size());
            assertThat(alone.timing().batchSize()).isEqualTo(1);
            assertSameDistribution(together.get(i), alone);
        }
    }

    @Test
    void textUtterancesOfDifferentLengths() {
        BatchScorer<TextInput> scorer = new BatchScorer<>(
                ter,
                Inputs::text,
                Topics.SCORES_TEXT,
                new InferenceMetrics(new SimpleMeterRegistry(), Modality.TEXT, new ModelRef("t", "1")),
                tracer,
                "inference-service");
        List<String> texts = List.of(
                "Hi.",
                "I can't believe you would do this to me after everything we've been through together!",
                "Okay.",
                "What a lovely surprise, thank you!",
                "The meeting is at three.");
        List<BatchScorer.Arrived> batch = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            batch.add(arrived(TestUtterances.text("batch", i, texts.get(i)), i));
        }
        // with the previous turns ingest attaches (schema version 2)
        UtteranceText withContext = new UtteranceText(
                "batch",
                texts.size(),
                0,
                900,
                "B",
                "en",
                "Really?",
                java.time.Instant.now(),
                List.of(new UtteranceText.Turn("A", "I got the job!")));
        batch.add(arrived(
                new ProducerRecord<>(
                        Topics.UTTERANCES_TEXT,
                        withContext.utteranceId(),
                        EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, withContext)),
                texts.size()));
        List<EmotionScore> together = scores(scorer.score(batch));
        for (int i = 0; i < batch.size(); i++) {
            assertSameDistribution(
                    together.get(i), scores(scorer.score(List.of(batch.get(i)))).get(0));
        }
        TextEmotionModel model = (TextEmotionModel) registry.get(Modality.TEXT);
        EmotionScore last = together.get(texts.size());
        double[] expected = model.predictWithContext(
                        List.of(new TextInput("Really?", "B", List.of(new TextInput.Turn("A", "I got the job!")))))
                .get(0)
                .canonical()
                .toArray();
        assertThat(last.probabilities().toArray())
                .containsExactly(expected, org.assertj.core.api.Assertions.within(1e-6));
        if (!model.manifest().dimensions().isEmpty()) {
            assertThat(last.dimensions())
                    .containsKeys(model.manifest().dimensions().toArray(String[]::new));
        }
    }

    @Test
    void eachScoreContinuesTheTraceOfItsUtterance() {
        BatchScorer<TextInput> scorer = new BatchScorer<>(
                ter,
                Inputs::text,
                Topics.SCORES_TEXT,
                new InferenceMetrics(new SimpleMeterRegistry(), Modality.TEXT, new ModelRef("t", "1")),
                tracer,
                "inference-service");
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parentSpan = "00f067aa0ba902b7";
        ProducerRecord<String, byte[]> traced = TestUtterances.text("traced", 0, "I am so happy for you!");
        traced.headers()
                .add(
                        KafkaTracing.TRACEPARENT,
                        ("00-" + traceId + "-" + parentSpan + "-01").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<ProducerRecord<byte[], byte[]>> out =
                scorer.score(List.of(arrived(traced, 0), arrived(TestUtterances.text("untraced", 0, "Fine."), 1)));

        String tp = new String(
                out.get(0).headers().lastHeader(KafkaTracing.TRACEPARENT).value(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(tp).startsWith("00-" + traceId + "-").doesNotContain(parentSpan);
        // an utterance that came without a trace starts one here, so its row can still be followed
        assertThat(KafkaTracing.traceId(out.get(1).headers())).isNotNull().isNotEqualTo(traceId);
    }

    private static void assertSameDistribution(EmotionScore a, EmotionScore b) {
        double[] x = a.probabilities().toArray();
        double[] y = b.probabilities().toArray();
        for (int k = 0; k < x.length; k++) {
            assertThat(x[k]).as("class %d of %s", k, a.utteranceId()).isCloseTo(y[k], within(1e-4));
        }
    }
}
