package io.emostream.inference.messaging;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Modality;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.inference.TestUtterances;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.Prediction;
import io.emostream.models.SpeechEmotionModel;
import io.emostream.testsupport.KafkaResource;
import io.emostream.testsupport.RealInfra;
import io.emostream.testsupport.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Speaker-aware scoring in the service: the utterances of one speaker of a recording, grouped by ingest on
 * {@link Topics#UTTERANCES_AUDIO_SPEAKER}, are scored together once their group's end marker arrives (the speech
 * model's {@code predictSpeaker}), each score under its utterance id; a group below the model's minimum gets the
 * speaker-independent scores; bad records are dead-lettered without holding the group up; and a worker that stops
 * with a group open commits nothing past it, so its successor scores the whole group.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class SpeakerGroupsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Inject
    ModelRegistry models;

    private SpeechEmotionModel ser;

    @BeforeEach
    void load() {
        await().atMost(Duration.ofMinutes(3)).until(() -> models.get(Modality.SPEECH) != null);
        ser = (SpeechEmotionModel) models.get(Modality.SPEECH);
        assertThat(ser.speakerMinUtterances())
                .as("the shipped model has a speaker path")
                .isPositive();
    }

    /**
     * {@code n} distinct utterances of 1 s cut from the bundled samples (34 slices), each at its own gain, as the
     * worker reads them (s16 PCM).
     */
    private static List<float[]> utterances(int n) {
        List<float[]> all = new ArrayList<>();
        for (String s : List.of("call-support.wav", "angry-refund.wav", "happy-news.wav", "sad-goodbye.wav")) {
            all.add(TestUtterances.sample(s));
        }
        float[] joined = new float[all.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] a : all) {
            System.arraycopy(a, 0, joined, at, a.length);
            at += a.length;
        }
        int len = 16_000;
        int slices = joined.length / len;
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) { // past the end of the samples, the same slices again at other gains
            float[] u = Arrays.copyOfRange(joined, (i % slices) * len, (i % slices + 1) * len);
            float gain = 0.6f + 0.05f * i;
            for (int k = 0; k < u.length; k++) {
                u[k] = Math.max(-1f, Math.min(1f, u[k] * gain));
            }
            out.add(PcmAudio.decode(PcmAudio.encode(u)));
        }
        return out;
    }

    private static ProducerRecord<String, byte[]> grouped(
            String topic, String recording, String speaker, int index, float[] samples) {
        UtteranceAudio meta = new UtteranceAudio(
                recording, index, index * 2000L, index * 2000L + 1000, speaker, null, false, "en", Instant.now());
        ProducerRecord<String, byte[]> r = SpeakerGroups.audio(meta, PcmAudio.encode(samples));
        return new ProducerRecord<>(topic, null, r.key(), r.value(), r.headers());
    }

    private static ProducerRecord<String, byte[]> end(String topic, String recording, String speaker, int n) {
        ProducerRecord<String, byte[]> r = SpeakerGroups.end(new SpeakerGroups.End(recording, speaker, n));
        return new ProducerRecord<>(topic, null, r.key(), r.value(), r.headers());
    }

    private static List<EmotionScore> scores(String topic, String recording, int n) {
        return TestKafka.await(topic, r -> r.key().startsWith(recording + "#"), n, TIMEOUT).stream()
                .map(r -> EventSerdes.EMOTION_SCORE.deserialize(topic, r.value()))
                .sorted(Comparator.comparingInt(EmotionScore::index))
                .toList();
    }

    private static void assertSame(List<EmotionScore> scores, List<Prediction> expected) {
        assertThat(scores).hasSameSizeAs(expected);
        for (int i = 0; i < scores.size(); i++) {
            double[] got = scores.get(i).probabilities().toArray();
            double[] want = expected.get(i).canonical().toArray();
            for (int j = 0; j < want.length; j++) {
                assertThat(got[j])
                        .as("utterance %d, class %d", i, j)
                        .isCloseTo(want[j], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    private static double maxDifference(List<Prediction> a, List<Prediction> b) {
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            double[] x = a.get(i).canonical().toArray();
            double[] y = b.get(i).canonical().toArray();
            for (int j = 0; j < x.length; j++) {
                max = Math.max(max, Math.abs(x[j] - y[j]));
            }
        }
        return max;
    }

    @Test
    void aSpeakersUtterancesAreScoredTogetherAndBadRecordsAreDeadLetteredWithoutHoldingTheGroupUp() {
        String id = "grouped-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = Topics.UTTERANCES_AUDIO_SPEAKER;
        int n = ser.speakerMinUtterances() + 2;
        List<float[]> u = utterances(2 * n + 3);
        List<float[]> agent = u.subList(0, n);
        List<float[]> customer = u.subList(n, n + 3);
        List<float[]> agentLater = u.subList(n + 3, 2 * n + 3); // a second group of the same key (a long recording)
        for (int i = 0; i < n; i++) {
            TestKafka.send(grouped(topic, id, "agent", i, agent.get(i)));
            if (i == 5) { // a record of the group without its metadata: dead-lettered, the group goes on
                TestKafka.send(new ProducerRecord<>(topic, SpeakerGroups.key(id, "agent"), new byte[3200]));
            }
        }
        for (int i = 0; i < customer.size(); i++) {
            TestKafka.send(grouped(topic, id, "customer", n + i, customer.get(i)));
        }
        TestKafka.send(end(topic, id, "agent", n + 1));
        TestKafka.send(end(topic, id, "customer", customer.size()));
        for (int i = 0; i < n; i++) {
            TestKafka.send(grouped(topic, id, "agent", n + 3 + i, agentLater.get(i)));
        }
        TestKafka.send(end(topic, id, "agent", n));
        ProducerRecord<String, byte[]> badEnd = new ProducerRecord<>(
                topic, SpeakerGroups.key(id, "nobody"), "{not json".getBytes(StandardCharsets.UTF_8));
        badEnd.headers().add(SpeakerGroups.END_HEADER, "1".getBytes(StandardCharsets.UTF_8));
        TestKafka.send(badEnd);

        List<EmotionScore> all = scores(Topics.SCORES_SPEECH, id, 2 * n + 3);
        assertThat(all)
                .extracting(EmotionScore::utteranceId)
                .doesNotHaveDuplicates()
                .hasSize(2 * n + 3);
        List<EmotionScore> agentScores = all.subList(0, n);
        List<EmotionScore> customerScores = all.subList(n, n + 3);
        assertThat(agentScores).allSatisfy(s -> {
            assertThat(s.speaker()).isEqualTo("agent");
            assertThat(s.model()).isEqualTo(ser.manifest().ref());
            assertThat(s.timing().batchSize()).as("scored as one group").isEqualTo(n);
        });
        List<Prediction> speakerAware = ser.predictSpeaker(agent);
        List<Prediction> alone = ser.predict(agent);
        assertSame(agentScores, speakerAware);
        assertThat(maxDifference(speakerAware, alone))
                .as("the speaker path changes the scores (else this test proves nothing)")
                .isGreaterThan(1e-3);
        // below the model's minimum: the speaker-independent scores
        assertSame(customerScores, ser.predict(customer));
        // the key's next group: relative to its own utterances only
        assertSame(all.subList(n + 3, 2 * n + 3), ser.predictSpeaker(agentLater));

        List<ConsumerRecord<String, byte[]>> dead = TestKafka.await(
                Topics.DEADLETTER, r -> r.key() != null && r.key().startsWith(id + "|"), 2, TIMEOUT);
        assertThat(dead)
                .extracting(
                        r -> r.key() + " " + DeadLetter.fromHeaders(r.headers()).reason())
                .containsExactlyInAnyOrder(
                        id + "|agent " + FailureReason.MALFORMED_EVENT,
                        id + "|nobody " + FailureReason.MALFORMED_EVENT);
        assertThat(dead)
                .allSatisfy(r -> assertThat(DeadLetter.fromHeaders(r.headers()).sourceTopic())
                        .isEqualTo(topic));
    }

    @Test
    void aWorkerStoppedWithAGroupOpenEmitsAndCommitsNothingPastItAndItsSuccessorScoresEachUtteranceOnce()
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String in = createTopics(run);
        String out = "speaker-out-" + run;
        String group = "speaker-" + run;
        String rec = "rec-" + run;
        int n = ser.speakerMinUtterances();
        List<float[]> u = utterances(n + 2);
        // group "open" (n utterances, its end not yet written), then group "done" (2 utterances + end), one partition
        RecordMetadata first =
                TestKafka.producer().send(grouped(in, rec, "open", 0, u.get(0))).get(30, TimeUnit.SECONDS);
        for (int i = 1; i < n; i++) {
            TestKafka.send(grouped(in, rec, "open", i, u.get(i)));
        }
        TestKafka.send(grouped(in, rec, "done", n, u.get(n)));
        TestKafka.send(grouped(in, rec, "done", n + 1, u.get(n + 1)));
        TestKafka.send(end(in, rec, "done", 2));

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScoringWorker w1 = worker(in, out, group, registry, Duration.ofMinutes(1));
        new Thread(w1, "speaker-worker-1-" + run).start();
        // every record read (the done group is not even scored yet: a group is scored when it is released)
        await().atMost(TIMEOUT)
                .until(() -> registry.get("emostream.inference.poll")
                                        .tag("records", "some")
                                        .timer()
                                        .count()
                                >= 1
                        && registry.get("emostream.inference.consumer.lag")
                                        .gauge()
                                        .value()
                                == 0);
        w1.stop(Duration.ofSeconds(30));
        assertThat(TestKafka.readAll(out, r -> true))
                .as("the done group waits for the open group that began before it")
                .isEmpty();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            OffsetAndMetadata c = committed.get(new TopicPartition(in, 0));
            assertThat(c == null ? 0 : c.offset())
                    .as("nothing committed past the open group's first record")
                    .isEqualTo(first.offset());
        }

        TestKafka.send(end(in, rec, "open", n));
        ScoringWorker w2 = worker(in, out, group, new SimpleMeterRegistry(), Duration.ofMinutes(1));
        new Thread(w2, "speaker-worker-2-" + run).start();
        try {
            List<EmotionScore> all = scores(out, rec, n + 2);
            assertThat(all).extracting(EmotionScore::utteranceId).doesNotHaveDuplicates();
            assertThat(all).extracting(EmotionScore::index).containsExactlyElementsOf(range(n + 2));
            assertSame(all.subList(0, n), ser.predictSpeaker(u.subList(0, n)));
            assertSame(all.subList(n, n + 2), ser.predict(u.subList(n, n + 2)));
            assertThat(TestKafka.readAll(out, r -> true))
                    .as("each utterance scored once")
                    .hasSize(n + 2);
        } finally {
            w2.stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void aGroupWhoseEndNeverComesIsScoredAsItIsAndReleasesThePartition() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String in = createTopics(run);
        String out = "speaker-out-" + run;
        String rec = "rec-" + run;
        List<float[]> u = utterances(5);
        for (int i = 0; i < 3; i++) { // a producer that never ends its group
            TestKafka.send(grouped(in, rec, "unended", i, u.get(i)));
        }
        TestKafka.send(grouped(in, rec, "next", 3, u.get(3)));
        TestKafka.send(grouped(in, rec, "next", 4, u.get(4)));
        TestKafka.send(end(in, rec, "next", 2));
        ScoringWorker w = worker(in, out, "speaker-" + run, new SimpleMeterRegistry(), Duration.ofSeconds(2));
        new Thread(w, "speaker-worker-" + run).start();
        try {
            List<EmotionScore> all = scores(out, rec, 5);
            assertThat(all).extracting(EmotionScore::index).containsExactlyElementsOf(range(5));
            assertSame(all.subList(0, 3), ser.predict(u.subList(0, 3)));
        } finally {
            w.stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void aGroupIsScoredOpenForAfterItsFirstRecordHoweverItsRecordsTrickleIn() {
        String rec = "trickle-" + UUID.randomUUID().toString().substring(0, 8);
        SpeakerGroupScorer scorer = directScorer(Duration.ofSeconds(60), 1000);
        List<float[]> u = utterances(3);
        long t0 = 5_000_000_000L;
        assertThat(scorer.score(List.of(arrived(rec, "trickler", 0, u.get(0), t0))))
                .isEmpty();
        assertThat(scorer.score(List.of(arrived(rec, "trickler", 1, u.get(1), t0 + seconds(50)))))
                .isEmpty();
        assertThat(scorer.expire(t0 + seconds(59)))
                .as("open for less than 60 s")
                .isEmpty();
        assertThat(committed(scorer))
                .as("held at the open group's first record")
                .isZero();

        List<ProducerRecord<byte[], byte[]>> out = scorer.expire(t0 + seconds(60));
        assertThat(out)
                .as("60 s after its first record, though its last came 10 s ago")
                .hasSize(2);
        assertSame(decoded(out), ser.predict(u.subList(0, 2)));
        assertThat(committed(scorer)).isEqualTo(2);

        assertThat(scorer.score(List.of(arrived(rec, "trickler", 2, u.get(2), t0 + seconds(61)))))
                .as("a later record of the key starts a new group")
                .isEmpty();
        assertThat(committed(scorer)).isEqualTo(2);
        assertThat(scorer.expire(t0 + seconds(120))).isEmpty();
        assertThat(scorer.expire(t0 + seconds(121))).hasSize(1);
        assertThat(committed(scorer)).isEqualTo(3);
    }

    @Test
    void aGroupThatReachesTheMostUtterancesWithoutItsEndIsScoredAsItIs() {
        String rec = "flood-" + UUID.randomUUID().toString().substring(0, 8);
        SpeakerGroupScorer scorer = directScorer(Duration.ofSeconds(60), 3);
        List<float[]> u = utterances(4);
        List<BatchScorer.Arrived> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batch.add(arrived(rec, "flooder", i, u.get(i), 1_000L + i));
        }
        List<ProducerRecord<byte[], byte[]>> out = scorer.score(batch);
        assertThat(out).as("the first 3, at once").hasSize(3);
        assertSame(decoded(out), ser.predict(u.subList(0, 3)));
        assertThat(committed(scorer))
                .as("held at the 4th record, the first of the key's next group")
                .isEqualTo(3);
        assertThat(scorer.expire(1_003L + seconds(60))).hasSize(1);
        assertThat(committed(scorer)).isEqualTo(4);
    }

    /** A scorer on its own, fed directly (no broker): the arrival clock is the test's. */
    private SpeakerGroupScorer directScorer(Duration openFor, int maxUtterances) {
        return new SpeakerGroupScorer(
                batchScorer("speaker-out-direct", new SimpleMeterRegistry()),
                ser::predictSpeaker,
                ser.speakerMinUtterances(),
                openFor,
                maxUtterances);
    }

    private static final TopicPartition DIRECT = new TopicPartition("speaker-in-direct", 0);

    /** Utterance {@code index} of the speaker's group as the worker reads it: at offset {@code index} of DIRECT. */
    private static BatchScorer.Arrived arrived(
            String recording, String speaker, int index, float[] samples, long arrivedNanos) {
        ProducerRecord<String, byte[]> r = grouped(DIRECT.topic(), recording, speaker, index, samples);
        ConsumerRecord<byte[], byte[]> c = new ConsumerRecord<>(
                DIRECT.topic(),
                DIRECT.partition(),
                index,
                0L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                -1,
                -1,
                r.key().getBytes(StandardCharsets.UTF_8),
                r.value(),
                r.headers(),
                java.util.Optional.empty());
        return new BatchScorer.Arrived(c, arrivedNanos);
    }

    private static long committed(SpeakerGroupScorer scorer) {
        return scorer.offsets(Map.of()).get(DIRECT).offset();
    }

    private static List<EmotionScore> decoded(List<ProducerRecord<byte[], byte[]>> out) {
        return out.stream()
                .map(r -> EventSerdes.EMOTION_SCORE.deserialize(r.topic(), r.value()))
                .sorted(Comparator.comparingInt(EmotionScore::index))
                .toList();
    }

    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    private static List<Integer> range(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }

    /** An input topic of one partition and an output topic for a test's own worker; returns the input's name. */
    private static String createTopics(String run) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic("speaker-in-" + run, 1, (short) 1),
                            new NewTopic("speaker-out-" + run, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        return "speaker-in-" + run;
    }

    /** The speech model's scorer of grouped records, writing its scores to {@code out}. */
    private BatchScorer<float[]> batchScorer(String out, SimpleMeterRegistry registry) {
        return new BatchScorer<>(
                ser,
                Inputs::groupedAudio,
                out,
                new InferenceMetrics(registry, Modality.SPEECH, ser.manifest().ref()),
                OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE),
                "inference-service");
    }

    private ScoringWorker worker(String in, String out, String group, SimpleMeterRegistry registry, Duration openFor) {
        BatchScorer<float[]> scorer = batchScorer(out, registry);
        return new ScoringWorker(
                group,
                in,
                group,
                group + "-tx",
                Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()),
                new SpeakerGroupScorer(scorer, ser::predictSpeaker, ser.speakerMinUtterances(), openFor, 1000),
                4,
                Duration.ofMillis(20),
                io.emostream.guard.PoisonGuard.disabled(),
                Duration.ofMillis(200),
                Duration.ofSeconds(1));
    }
}
