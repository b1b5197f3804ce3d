package io.emostream.inference;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Modality;
import io.emostream.contracts.Topics;
import io.emostream.models.ModelManifest;
import io.emostream.testsupport.KafkaResource;
import io.emostream.testsupport.TestKafka;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class InferenceServiceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeEach
    void modelsAreServing() {
        await().atMost(Duration.ofMinutes(3))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
    }

    private static String newId(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<EmotionScore> scores(String topic, String recordingId, int n) {
        List<ConsumerRecord<String, byte[]>> found =
                TestKafka.await(topic, r -> r.key().startsWith(recordingId + "#"), n, TIMEOUT);
        assertThat(found).as("scores on " + topic).hasSize(n);
        return found.stream()
                .map(r -> EventSerdes.EMOTION_SCORE.deserialize(topic, r.value()))
                .toList();
    }

    @Test
    void everyUtteranceGetsScoresFromTheModelThatMadeThem() {
        String id = newId("scored");
        TestKafka.send(TestUtterances.audio(id, 0, TestUtterances.sample("angry-refund.wav"), true));
        TestKafka.send(TestUtterances.audio(id, 1, TestUtterances.sample("sad-goodbye.wav"), false));
        TestKafka.send(TestUtterances.audio(id, 2, TestUtterances.sample("happy-news.wav"), true));
        TestKafka.send(TestUtterances.text(id, 0, "This is absolutely unacceptable, I want my money back now!"));
        TestKafka.send(TestUtterances.text(id, 2, "Thank you so much, that is wonderful news!"));

        ModelManifest ser = ModelManifest.read(TestUtterances.MODELS.resolve("ser-default"));
        ModelManifest ter = ModelManifest.read(TestUtterances.MODELS.resolve("ter-default"));
        List<EmotionScore> speech = scores(Topics.SCORES_SPEECH, id, 3);
        List<EmotionScore> text = scores(Topics.SCORES_TEXT, id, 2);
        for (EmotionScore s : speech) {
            assertThat(s.modality()).isEqualTo(Modality.SPEECH);
            assertThat(s.model()).isEqualTo(ser.ref());
            assertValidDistribution(s);
            assertThat(s.timing().batchSize()).isBetween(1, 16);
            assertThat(s.timing().windows()).isGreaterThanOrEqualTo(1);
            assertThat(s.timing().inferenceMs()).isPositive();
            assertThat(s.speaker()).isEqualTo("caller");
        }
        assertThat(speech)
                .filteredOn(s -> s.index() == 1)
                .singleElement()
                .satisfies(s -> assertThat(s.hasTranscript()).isFalse());
        for (EmotionScore s : text) {
            assertThat(s.model()).isEqualTo(ter.ref());
            assertValidDistribution(s);
            assertThat(s.text()).isNotBlank();
        }
        // the text model reads the words
        assertThat(text)
                .filteredOn(s -> s.index() == 0)
                .singleElement()
                .satisfies(s -> assertThat(s.label()).isEqualTo(Emotion.ANGRY));
        assertThat(text)
                .filteredOn(s -> s.index() == 2)
                .singleElement()
                .satisfies(s -> assertThat(s.label()).isEqualTo(Emotion.HAPPY));
    }

    private static void assertValidDistribution(EmotionScore s) {
        double sum = Arrays.stream(s.probabilities().toArray()).sum();
        assertThat(sum).isCloseTo(1.0, within(1e-6));
        assertThat(s.label()).isEqualTo(s.probabilities().label());
        assertThat(s.confidence()).isCloseTo(s.probabilities().confidence(), within(1e-9));
    }

    @Test
    void poisonUtterancesAreDeadLetteredAndThePartitionMovesOn() {
        String id = newId("poison");
        ProducerRecord<String, byte[]> noMeta =
                new ProducerRecord<>(Topics.UTTERANCES_AUDIO, 0, id + "#0", new byte[3200]);
        ProducerRecord<String, byte[]> good =
                TestUtterances.audio(id, 1, TestUtterances.sample("angry-refund.wav"), false);
        ProducerRecord<String, byte[]> oddBytes = TestUtterances.audio(id, 2, new float[16000], false);
        ProducerRecord<String, byte[]> tooShort = TestUtterances.audio(id, 3, new float[800], false); // 50 ms
        TestKafka.send(noMeta);
        TestKafka.send(new ProducerRecord<>(
                Topics.UTTERANCES_AUDIO, 0, oddBytes.key(), Arrays.copyOf(oddBytes.value(), 3201), oddBytes.headers()));
        TestKafka.send(
                new ProducerRecord<>(Topics.UTTERANCES_AUDIO, 0, tooShort.key(), tooShort.value(), tooShort.headers()));
        TestKafka.send(new ProducerRecord<>(Topics.UTTERANCES_AUDIO, 0, good.key(), good.value(), good.headers()));
        TestKafka.send(new ProducerRecord<>(
                Topics.UTTERANCES_TEXT, 0, id + "#4", "{not json".getBytes(StandardCharsets.UTF_8)));
        TestKafka.send(TestUtterances.text(id, 5, "   "));

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.await(
                Topics.DEADLETTER, r -> r.key() != null && r.key().startsWith(id + "#"), 5, TIMEOUT);
        assertThat(dead)
                .extracting(
                        r -> r.key() + " " + DeadLetter.fromHeaders(r.headers()).reason())
                .containsExactlyInAnyOrder(
                        id + "#0 " + FailureReason.MALFORMED_EVENT,
                        id + "#2 " + FailureReason.MALFORMED_EVENT,
                        id + "#3 " + FailureReason.MODEL_FAILURE,
                        id + "#4 " + FailureReason.MALFORMED_EVENT,
                        id + "#5 " + FailureReason.MALFORMED_EVENT);
        assertThat(dead)
                .allSatisfy(r -> assertThat(DeadLetter.fromHeaders(r.headers()).service())
                        .isEqualTo("inference-service"));
        assertThat(dead)
                .filteredOn(r -> r.key().equals(id + "#0"))
                .singleElement()
                .satisfies(r -> assertThat(r.value()).isEqualTo(new byte[3200]));

        List<EmotionScore> scored = scores(Topics.SCORES_SPEECH, id, 1);
        assertThat(scored).extracting(EmotionScore::index).containsExactly(1);
    }

    @Test
    void readinessNamesTheModelsItServes() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body(containsString("Emotion models"))
                .body(containsString(ModelManifest.read(TestUtterances.MODELS.resolve("ser-default"))
                                .ref() + " serving"))
                .body(containsString(ModelManifest.read(TestUtterances.MODELS.resolve("ter-default"))
                                .ref() + " serving"))
                .body(containsString("serving, 2 workers")); // %test.emostream.inference.workers=2
    }

    @Test
    void workersSharingAGroupScoreEveryUtteranceOnce() {
        // 40 ids spread over all 6 partitions, so both workers of the text group get some of them
        String id = newId("shared");
        int n = 40;
        for (int i = 0; i < n; i++) {
            TestKafka.send(TestUtterances.text(id, i, "Utterance number " + i + " of the shared group test."));
        }
        List<EmotionScore> scored = scores(Topics.SCORES_TEXT, id, n);
        assertThat(scored)
                .extracting(EmotionScore::index)
                .doesNotHaveDuplicates()
                .hasSize(n);
        // nothing more arrives for them later
        List<ConsumerRecord<String, byte[]>> again =
                TestKafka.await(Topics.SCORES_TEXT, r -> r.key().startsWith(id + "#"), n + 1, Duration.ofSeconds(3));
        assertThat(again).hasSize(n);
    }

    @Test
    void metricsReportBatchesAndTimesPerModel() {
        String id = newId("metrics");
        TestKafka.send(TestUtterances.text(id, 0, "I am fine, thanks."));
        scores(Topics.SCORES_TEXT, id, 1);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("emostream_inference_utterances_total{"))
                .body(containsString("emostream_inference_batch_size_count{"))
                .body(containsString("emostream_inference_forward_seconds"))
                .body(containsString("emostream_inference_queue_seconds"))
                .body(containsString("modality=\"text\""));
    }

    /**
     * An utterance whose processing throws (test fault injection: keys containing "fault-throw") is dead-lettered
     * with its bytes and PROCESSING_FAILED; the utterance behind it on its partition is scored. Both input topics.
     */
    @Test
    void utterancesWhoseProcessingThrowsAreDeadLetteredAndTheOneBehindIsScored() {
        String poison = newId("fault-throw");
        String goodKey = TestKafka.keyOnPartitionOf(poison + "#0", newId("after-fault") + "-", "#0");
        String good = goodKey.substring(0, goodKey.length() - 2);
        ProducerRecord<String, byte[]> badAudio =
                TestUtterances.audio(poison, 0, TestUtterances.sample("angry-refund.wav"), true);
        ProducerRecord<String, byte[]> badText = TestUtterances.text(poison, 0, "I want my money back");
        TestKafka.send(badAudio);
        TestKafka.send(badText);
        TestKafka.send(TestUtterances.audio(good, 0, TestUtterances.sample("happy-news.wav"), true));
        TestKafka.send(TestUtterances.text(good, 0, "Thank you so much, that is wonderful news!"));

        for (ProducerRecord<String, byte[]> bad : List.of(badAudio, badText)) {
            ConsumerRecord<String, byte[]> dl = TestKafka.await(
                            Topics.DEADLETTER,
                            r -> (poison + "#0").equals(r.key())
                                    && bad.topic()
                                            .equals(DeadLetter.fromHeaders(r.headers())
                                                    .sourceTopic()),
                            1,
                            TIMEOUT)
                    .get(0);
            assertThat(dl.value()).isEqualTo(bad.value());
            DeadLetter d = DeadLetter.fromHeaders(dl.headers());
            assertThat(d.reason()).isEqualTo(FailureReason.PROCESSING_FAILED);
            assertThat(d.detail()).contains("TEST FAULT");
            assertThat(d.sourcePartition()).isEqualTo(TestKafka.partitionOf(poison + "#0"));
            assertThat(d.service()).isEqualTo("inference-service");
        }
        assertThat(scores(Topics.SCORES_SPEECH, good, 1)).hasSize(1);
        assertThat(scores(Topics.SCORES_TEXT, good, 1)).hasSize(1);
        assertThat(TestKafka.readAll(Topics.SCORES_TEXT, r -> r.key().startsWith(poison)))
                .isEmpty();
    }

    /** A worker whose loop dies: liveness DOWN (naming it), then its manager starts a new one and it scores again. */
    @Test
    void aDeadWorkerTurnsLivenessDownAndIsRestarted() {
        Thread worker = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("inference-text-0-worker"))
                .findFirst()
                .orElseThrow();
        worker.interrupt(); // its next poll throws InterruptException: the loop ends on an error
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> given().get("/q/health/live")
                        .then()
                        .statusCode(503)
                        .body(containsString("inference-text-0 died")));
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get("/q/health/live").then().statusCode(200));
        assertThat(worker.isAlive()).isFalse();
        String id = newId("after-restart");
        for (int i = 0; i < 6; i++) {
            TestKafka.send(TestUtterances.text(id, i, "Thank you, that is great news number " + i));
        }
        assertThat(scores(Topics.SCORES_TEXT, id, 6)).hasSize(6);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("emostream_inference_workers_restarted_total{modality=\"text\""));
    }
}
