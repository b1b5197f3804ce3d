package io.emostream.fusion;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.Topics;
import io.emostream.fusion.config.FusionSettings;
import io.emostream.testsupport.KafkaResource;
import io.emostream.testsupport.TestKafka;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.emostream.fusion.Scores.ANGRY_VOICE;
import static io.emostream.fusion.Scores.NEUTRAL_TEXT;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;

/** The service end to end through the real broker: scores in on the score topics, results out on emostream.emotions. */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class FusionServiceTest {

    @Inject
    StreamsConfig streamsConfig;

    /** Waits until readiness is UP (the pipeline has its partitions). */
    static void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (given().get("/q/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void send(EmotionScore s) {
        String topic = s.modality() == Modality.SPEECH ? Topics.SCORES_SPEECH : Topics.SCORES_TEXT;
        TestKafka.send(topic, s.utteranceId(), EventSerdes.EMOTION_SCORE.serialize(topic, s));
    }

    @Test
    void fusesPairsEmitsSingleModalityResultsAndDeadLettersBadInput() {
        String rec = "fusion-it-" + UUID.randomUUID();
        EmotionScore speech0 = Scores.speech(rec + "#0", ANGRY_VOICE);
        EmotionScore text0 =
                Scores.text(rec + "#0", "Get out of here", Scores.p(0.1, 0.02, 0.1, 0.6, 0.08, 0.08, 0.02));
        EmotionScore speechOnly = Scores.speech(rec + "#1", ANGRY_VOICE, false);
        EmotionScore textOnly = Scores.text(rec + "#2", "Kids are talking by the door", NEUTRAL_TEXT);
        byte[] garbage = "{\"schemaVersion\":1,\"utteranceId\":".getBytes(StandardCharsets.UTF_8);

        send(text0);
        send(speechOnly);
        send(textOnly); // its speech never comes: emitted alone after window + grace (3 s here)
        TestKafka.send(Topics.SCORES_SPEECH, rec + "#3", garbage);
        send(speech0);
        send(speech0); // a redelivery: dropped

        List<ConsumerRecord<String, byte[]>> out =
                TestKafka.await(Topics.EMOTIONS, r -> r.key().startsWith(rec + "#"), 3, Duration.ofSeconds(90));
        Map<String, FusedEmotion> byKey = out.stream()
                .collect(Collectors.toMap(
                        ConsumerRecord::key,
                        r -> EventSerdes.FUSED_EMOTION.deserialize(Topics.EMOTIONS, r.value()),
                        (a, b) -> {
                            throw new AssertionError("two results for one utterance: " + a + " / " + b);
                        }));
        assertThat(byKey).containsOnlyKeys(rec + "#0", rec + "#1", rec + "#2");

        FusedEmotion both = byKey.get(rec + "#0");
        assertThat(both.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(both.label()).isEqualTo(Emotion.ANGRY);
        assertThat(both.speech().utteranceId()).isEqualTo(rec + "#0");
        assertThat(both.text().text()).isEqualTo("Get out of here");
        // the shipped default mode and weights (application config = FusionConfig defaults)
        FusionSettings shipped = FusionSettings.defaults();
        assertThat(both.mode()).isEqualTo(shipped.mode());
        assertThat(both.speechWeight())
                .isCloseTo(
                        new FusionJoiner(
                                        shipped.mode(),
                                        shipped.speechWeight(),
                                        shipped.textWeight(),
                                        shipped.gate(),
                                        java.time.Clock.systemUTC())
                                .combine(
                                        both.speech().probabilities(),
                                        both.text().probabilities())
                                .speechWeight(),
                        within(1e-12));
        assertThat(both.correction()).isFalse();
        assertThat(both.fusedAt()).isAfter(both.eventTime());
        assertThat(byKey.get(rec + "#1").modalities()).isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(byKey.get(rec + "#2").modalities()).isEqualTo(Modalities.TEXT_ONLY);
        assertThat(byKey.get(rec + "#2").transcript()).isEqualTo("Kids are talking by the door");

        List<ConsumerRecord<String, byte[]>> dead =
                TestKafka.await(Topics.DEADLETTER, r -> (rec + "#3").equals(r.key()), 1, Duration.ofSeconds(30));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        DeadLetter dl = DeadLetter.fromHeaders(dead.get(0).headers());
        assertThat(dl.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
        assertThat(dl.sourceTopic()).isEqualTo(Topics.SCORES_SPEECH);
        assertThat(dl.service()).isEqualTo("fusion-service");

        // exactly one result per utterance, including the redelivered speech score
        assertThat(TestKafka.readAll(Topics.EMOTIONS, r -> r.key().startsWith(rec + "#")))
                .extracting(ConsumerRecord::key)
                .hasSize(3)
                .doesNotHaveDuplicates();
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("emostream_fusion_fused_total{correction=\"false\",modalities=\"BOTH\",mode=\""
                        + FusionSettings.defaults().mode() + "\"}"))
                .body(containsString("emostream_fusion_duplicates_total{modality=\"SPEECH\"}"))
                .body(containsString("emostream_fusion_deadletters_total"));
    }

    /**
     * A score whose processing throws (test fault injection: keys containing "fault-throw") is dead-lettered by Kafka
     * Streams' processing exception handler with its bytes and PROCESSING_FAILED, and the partition moves on: a score
     * behind it on the same partition is fused. Both score topics.
     */
    @Test
    void aScoreWhoseProcessingThrowsIsDeadLetteredAndTheOneBehindItIsFused() {
        awaitReady();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (Modality m : Modality.values()) {
            String poison = "fault-throw-" + run + "-" + m + "#0";
            String good = TestKafka.keyOnPartitionOf(poison, "after-fault-" + run + "-" + m + "-", "#0");
            EmotionScore bad = m == Modality.SPEECH
                    ? Scores.speech(poison, ANGRY_VOICE, false)
                    : Scores.text(poison, "fine words", NEUTRAL_TEXT);
            EmotionScore next = m == Modality.SPEECH
                    ? Scores.speech(good, ANGRY_VOICE, false)
                    : Scores.text(good, "more fine words", NEUTRAL_TEXT);
            byte[] badBytes = EventSerdes.EMOTION_SCORE.serialize(Topics.SCORES_SPEECH, bad);
            String topic = m == Modality.SPEECH ? Topics.SCORES_SPEECH : Topics.SCORES_TEXT;
            TestKafka.send(topic, poison, badBytes);
            send(next);

            List<ConsumerRecord<String, byte[]>> dead =
                    TestKafka.await(Topics.DEADLETTER, r -> poison.equals(r.key()), 1, Duration.ofSeconds(60));
            assertThat(dead).as(m + " poison dead-lettered").hasSize(1);
            assertThat(dead.get(0).value()).isEqualTo(badBytes);
            DeadLetter dl = DeadLetter.fromHeaders(dead.get(0).headers());
            assertThat(dl.reason()).isEqualTo(FailureReason.PROCESSING_FAILED);
            assertThat(dl.detail()).contains("TEST FAULT");
            assertThat(dl.sourceTopic()).isEqualTo(topic);
            assertThat(dl.sourcePartition()).isEqualTo(TestKafka.partitionOf(poison));
            assertThat(dl.service()).isEqualTo("fusion-service");
            assertThat(TestKafka.await(Topics.EMOTIONS, r -> good.equals(r.key()), 1, Duration.ofSeconds(60)))
                    .as(m + " score behind the poison on partition " + dl.sourcePartition() + " fused")
                    .hasSize(1);
        }
        assertThat(TestKafka.readAll(Topics.EMOTIONS, r -> r.key().startsWith("fault-throw-" + run)))
                .isEmpty();
        given().get("/q/metrics").then().statusCode(200).body(containsString("reason=\"PROCESSING_FAILED\""));
    }

    @Test
    void runsExactlyOnceWithChangeloggedStoresAndTheConfiguredStandbys() {
        assertThat(streamsConfig.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
                .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(streamsConfig.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG))
                .as("emostream.fusion.standby-replicas (1 in the test profile)")
                .isEqualTo(1);
        assertThat(streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("emostream-fusion");
    }
}
