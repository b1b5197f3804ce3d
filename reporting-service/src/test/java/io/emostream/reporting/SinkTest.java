package io.emostream.reporting;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.reporting.messaging.SinkConsumer;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.emostream.testsupport.RealInfra;
import io.emostream.testsupport.TestKafka;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.emostream.reporting.Fixtures.awaitSinkCaughtUp;
import static io.emostream.reporting.Fixtures.both;
import static io.emostream.reporting.Fixtures.count;
import static io.emostream.reporting.Fixtures.row;
import static io.emostream.reporting.Fixtures.send;
import static io.emostream.reporting.Fixtures.speechOnly;
import static io.emostream.reporting.Fixtures.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Kafka → PostgreSQL sink, end to end through the real broker and the real database. */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class SinkTest {

    @Inject
    SinkConsumer sink;

    private static final Instant T0 = Instant.parse("2029-03-01T09:00:00Z");

    @Test
    void rowsAppearForConsumedRecords() throws Exception {
        send(status("sink-a", RecordingStatus.State.SEGMENTED, 3, T0));
        send(both("sink-a", 0, "agent", Emotion.NEUTRAL, 0.7, T0.plusSeconds(1)));
        send(both("sink-a", 1, "customer", Emotion.ANGRY, 0.8, T0.plusSeconds(2)));
        send(both("sink-a", 2, "customer", Emotion.ANGRY, 0.6, T0.plusSeconds(3)));
        awaitSinkCaughtUp();

        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-a'"))
                .isEqualTo(3);
        Map<String, Object> u = row("SELECT * FROM utterances WHERE utterance_id = 'sink-a#1'");
        assertThat(u)
                .containsEntry("idx", 1)
                .containsEntry("start_ms", 2000L)
                .containsEntry("end_ms", 3500L)
                .containsEntry("speaker", "customer")
                .containsEntry("label", "angry")
                .containsEntry("modalities", "BOTH")
                .containsEntry("fusion_mode", "FIXED")
                .containsEntry("speech_model", "ser-crnn")
                .containsEntry("speech_model_version", "1.0.0")
                .containsEntry("text_model", "ter-minilm-cnn")
                .containsEntry("speech_label", "angry")
                .containsEntry("correction", false)
                .containsEntry("transcript", "utterance 1 of sink-a");
        assertThat((Double) u.get("confidence")).isCloseTo(0.8, within(1e-9));
        assertThat((Double) u.get("p_angry")).isCloseTo(0.8, within(1e-9));
        assertThat((Double) u.get("p_neutral")).isCloseTo(0.2 / 6, within(1e-9));
        assertThat(u.get("speech_probs").toString()).contains("\"angry\": 0.8");
        assertThat(u.get("event_time").toString()).startsWith("2029-03-01");
        assertThat(u.get("ingested_at")).isNotNull();

        Map<String, Object> r = row("SELECT * FROM recordings WHERE recording_id = 'sink-a'");
        assertThat(r)
                .containsEntry("state", "SEGMENTED")
                .containsEntry("expected_utterances", 3)
                .containsEntry("utterance_count", 3)
                .containsEntry("duration_ms", 6000L)
                .containsEntry("dominant_emotion", "angry")
                .containsEntry("speakers", List.of("agent", "customer"));
        assertThat(r.get("first_event_time").toString()).contains("09:00:01");
        assertThat(r.get("last_event_time").toString()).contains("09:00:03");
    }

    @Test
    void eachRowKeepsTheTraceItsRecordCarried() throws Exception {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        FusedEmotion f = both("sink-trace", 0, "agent", Emotion.HAPPY, 0.8, T0);
        ProducerRecord<String, byte[]> traced = new ProducerRecord<>(
                Topics.EMOTIONS, f.utteranceId(), EventSerdes.FUSED_EMOTION.serialize(Topics.EMOTIONS, f));
        traced.headers()
                .add(
                        KafkaTracing.TRACEPARENT,
                        ("00-" + trace + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
        TestKafka.producer().send(traced).get(30, java.util.concurrent.TimeUnit.SECONDS);
        send(both("sink-trace", 1, "agent", Emotion.HAPPY, 0.8, T0.plusSeconds(1)));
        awaitSinkCaughtUp();
        assertThat(row("SELECT trace_id FROM utterances WHERE utterance_id = 'sink-trace#0'"))
                .containsEntry("trace_id", trace);
        assertThat(row("SELECT trace_id FROM utterances WHERE utterance_id = 'sink-trace#1'"))
                .containsEntry("trace_id", null);

        // a replay of the same result without trace headers does not erase the trace
        send(f);
        awaitSinkCaughtUp();
        assertThat(row("SELECT trace_id FROM utterances WHERE utterance_id = 'sink-trace#0'"))
                .containsEntry("trace_id", trace);
    }

    @Test
    void replaysAndCorrectionsLeaveOneRowWithTheRightResult() throws Exception {
        FusedEmotion single = speechOnly("sink-b", 0, "agent", Emotion.SAD, 0.5, T0, T0.plusSeconds(10));
        FusedEmotion correction = both("sink-b", 0, "agent", Emotion.HAPPY, 0.9, T0, T0.plusSeconds(20), true, "1.0.0");
        send(single);
        send(correction);
        send(single); // a replayed older record must not undo the correction
        send(correction); // the same record again changes nothing
        send(both("sink-b", 1, "agent", Emotion.HAPPY, 0.9, T0.plusSeconds(1)));
        send(both("sink-b", 1, "agent", Emotion.HAPPY, 0.9, T0.plusSeconds(1)));
        awaitSinkCaughtUp();

        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-b'"))
                .isEqualTo(2);
        assertThat(row("SELECT label, modalities, correction FROM utterances WHERE utterance_id = 'sink-b#0'"))
                .containsEntry("label", "happy")
                .containsEntry("modalities", "BOTH")
                .containsEntry("correction", true);
        assertThat(row("SELECT utterance_count, dominant_emotion FROM recordings WHERE recording_id = 'sink-b'"))
                .containsEntry("utterance_count", 2)
                .containsEntry("dominant_emotion", "happy");
        assertThat(row("SELECT sum(utterances) AS n, sum(c_happy) AS happy, sum(c_sad) AS sad FROM emotion_hourly "
                        + "WHERE recording_id = 'sink-b'"))
                .containsEntry("n", 2L)
                .containsEntry("happy", 2L)
                .containsEntry("sad", 0L);

        // re-running the pipeline with a new model version replaces the result
        send(both("sink-b", 0, "agent", Emotion.FEAR, 0.7, T0, T0.plusSeconds(60), false, "2.0.0"));
        awaitSinkCaughtUp();
        assertThat(row("SELECT label, speech_model_version FROM utterances WHERE utterance_id = 'sink-b#0'"))
                .containsEntry("label", "fear")
                .containsEntry("speech_model_version", "2.0.0");
        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-b'"))
                .isEqualTo(2);
    }

    @Test
    void failedRecordingsKeepTheirReasonAndOlderStatusesDoNotWin() throws Exception {
        send(new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                "sink-c",
                RecordingStatus.State.FAILED,
                null,
                null,
                null,
                FailureReason.AUDIO_CORRUPT,
                "truncated at 12 s",
                T0.plusSeconds(5),
                null));
        send(status("sink-c", RecordingStatus.State.ACCEPTED, 0, T0)); // older: ignored
        awaitSinkCaughtUp();
        assertThat(row("SELECT * FROM recordings WHERE recording_id = 'sink-c'"))
                .containsEntry("state", "FAILED")
                .containsEntry("failure_reason", "AUDIO_CORRUPT")
                .containsEntry("failure_detail", "truncated at 12 s")
                .containsEntry("utterance_count", 0);
    }

    @Test
    void tombstonesDeleteRowsAndEmptyRecordings() throws Exception {
        send(both("sink-d", 0, "agent", Emotion.SAD, 0.6, T0));
        send(both("sink-d", 1, "agent", Emotion.SAD, 0.6, T0));
        awaitSinkCaughtUp();
        send(Topics.EMOTIONS, "sink-d#1", null);
        awaitSinkCaughtUp();
        assertThat(row("SELECT utterance_count FROM recordings WHERE recording_id = 'sink-d'"))
                .containsEntry("utterance_count", 1);
        send(Topics.EMOTIONS, "sink-d#0", null);
        awaitSinkCaughtUp();
        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-d'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM recordings WHERE recording_id = 'sink-d'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM emotion_hourly WHERE recording_id = 'sink-d'"))
                .isZero();
    }

    @Test
    void malformedRecordsAreDeadLetteredWithoutStallingThePartition() throws Exception {
        byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
        RecordMetadata bad = send(Topics.EMOTIONS, "sink-e#0", garbage);
        byte[] future = new String(
                        EventSerdes.FUSED_EMOTION.serialize(
                                Topics.EMOTIONS, both("sink-e", 0, "agent", Emotion.SAD, 0.6, T0)),
                        StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":1", "\"schemaVersion\":99")
                .getBytes(StandardCharsets.UTF_8);
        send(Topics.EMOTIONS, "sink-e#0", future);
        send(
                Topics.EMOTIONS,
                "sink-e#0",
                EventSerdes.FUSED_EMOTION.serialize(
                        Topics.EMOTIONS,
                        both("sink-e", 1, "agent", Emotion.SAD, 0.6, T0))); // key is not the record's id
        FusedEmotion longSpeaker = both("sink-e", 0, "x".repeat(300), Emotion.SAD, 0.6, T0);
        send(longSpeaker);
        FusedEmotion nul = both("sink-e", 0, "agent\u0000", Emotion.HAPPY, 0.6, T0); // stored, NUL replaced
        send(nul);
        awaitSinkCaughtUp();

        assertThat(row("SELECT label, speaker FROM utterances WHERE utterance_id = 'sink-e#0'"))
                .containsEntry("label", "happy")
                .containsEntry("speaker", "agent\uFFFD");
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.await(
                Topics.DEADLETTER, r -> r.key() != null && r.key().startsWith("sink-e#"), 4, Duration.ofSeconds(30));
        assertThat(dead).hasSize(4);
        assertThat(dead)
                .extracting(r -> DeadLetter.fromHeaders(r.headers()).reason())
                .containsExactly(
                        FailureReason.MALFORMED_EVENT,
                        FailureReason.UNSUPPORTED_SCHEMA_VERSION,
                        FailureReason.INVALID_KEY,
                        FailureReason.MALFORMED_EVENT);
        DeadLetter first = DeadLetter.fromHeaders(dead.get(0).headers());
        assertThat(first.sourceTopic()).isEqualTo(Topics.EMOTIONS);
        assertThat(first.sourcePartition()).isEqualTo(bad.partition());
        assertThat(first.sourceOffset()).isEqualTo(bad.offset());
        assertThat(first.service()).isEqualTo("reporting-service");
        assertThat(dead.get(0).value()).isEqualTo(garbage);
    }

    @Test
    void offsetsAreCommittedOnlyAfterTheRowsAreStored() throws Exception {
        awaitSinkCaughtUp();
        // the sink's role loses write access: its batch fails and is retried, and its offset must not move
        Fixtures.execute("REVOKE INSERT, UPDATE ON utterances FROM " + RealInfra.DB_USER);
        RecordMetadata m;
        try {
            m = send(both("sink-f", 0, "agent", Emotion.SURPRISE, 0.6, T0));
            // not a fixed wait: until the sink has tried the batch, failed and tried it again
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (sink.state().consecutiveFailures() < 2) {
                assertThat(System.nanoTime())
                        .as("the sink retried the refused batch")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(sink.state().lastError()).contains("permission denied");
            assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-f'"))
                    .isZero();
            assertThat(committed(new TopicPartition(m.topic(), m.partition()))).isLessThanOrEqualTo(m.offset());
        } finally {
            Fixtures.execute("GRANT INSERT, UPDATE ON utterances TO " + RealInfra.DB_USER);
        }
        awaitSinkCaughtUp();
        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-f'"))
                .isEqualTo(1);
        assertThat(committed(new TopicPartition(m.topic(), m.partition()))).isEqualTo(m.offset() + 1);
    }

    private static long committed(TopicPartition tp) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers()))) {
            return Fixtures.committed(admin).getOrDefault(tp, 0L);
        }
    }

    /**
     * A result whose processing throws (test fault injection: keys containing "fault-throw") is dead-lettered with
     * its bytes and PROCESSING_FAILED; the result behind it on its partition is stored.
     */
    @Test
    void aResultWhoseProcessingThrowsIsDeadLetteredAndTheOneBehindItIsStored() throws Exception {
        FusedEmotion bad = both("fault-throw-sink", 0, "agent", Emotion.ANGRY, 0.8, T0);
        String goodKey = TestKafka.keyOnPartitionOf(bad.utteranceId(), "after-fault-sink-", "#0");
        String good = goodKey.substring(0, goodKey.length() - 2);
        byte[] badBytes = EventSerdes.FUSED_EMOTION.serialize(Topics.EMOTIONS, bad);
        send(Topics.EMOTIONS, bad.utteranceId(), badBytes);
        send(both(good, 0, "agent", Emotion.HAPPY, 0.8, T0));
        awaitSinkCaughtUp();

        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = '" + good + "'"))
                .isEqualTo(1);
        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'fault-throw-sink'"))
                .isZero();
        List<ConsumerRecord<String, byte[]>> dead =
                TestKafka.await(Topics.DEADLETTER, r -> bad.utteranceId().equals(r.key()), 1, Duration.ofSeconds(30));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(badBytes);
        DeadLetter dl = DeadLetter.fromHeaders(dead.get(0).headers());
        assertThat(dl.reason()).isEqualTo(FailureReason.PROCESSING_FAILED);
        assertThat(dl.detail()).contains("TEST FAULT");
        assertThat(dl.sourcePartition()).isEqualTo(TestKafka.partitionOf(bad.utteranceId()));
        assertThat(dl.service()).isEqualTo("reporting-service");
    }

    /** The consumer loop dies: liveness DOWN, then it is started again and stores what comes next. */
    @Test
    void aDeadConsumerLoopTurnsLivenessDownAndIsStartedAgain() throws Exception {
        awaitSinkCaughtUp();
        // UP before, and the endpoint served once: a cold first request can outlast the loop's 0.5 s back-off
        assertThat(io.restassured.RestAssured.given().get("/q/health/live").statusCode())
                .isEqualTo(200);
        Thread sink = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("reporting-sink"))
                .findFirst()
                .orElseThrow();
        sink.interrupt(); // its poll throws InterruptException: this run of the loop ends on an error
        boolean down = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!down && System.nanoTime() < deadline) {
            down = io.restassured.RestAssured.given().get("/q/health/live").statusCode() == 503;
            Thread.sleep(10);
        }
        assertThat(down).as("liveness DOWN while the loop is dead").isTrue();
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (io.restassured.RestAssured.given().get("/q/health/live").statusCode() != 200) {
            assertThat(System.nanoTime()).as("liveness UP again").isLessThan(deadline);
            Thread.sleep(100);
        }
        send(both("sink-after-restart", 0, "agent", Emotion.HAPPY, 0.8, T0));
        awaitSinkCaughtUp();
        assertThat(count("SELECT count(*) FROM utterances WHERE recording_id = 'sink-after-restart'"))
                .isEqualTo(1);
        io.restassured.RestAssured.given()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("emostream_reporting_sink_restarts_total 1.0"));
    }
}
