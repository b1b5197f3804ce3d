package io.emostream.inference.messaging;

import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Modality;
import io.emostream.inference.TestUtterances;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.EmotionModel;
import io.emostream.models.TextEmotionModel;
import io.emostream.models.TextInput;
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
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scoring worker against the real broker when its transactions fail: an abortable error (the output topic refuses
 * the scores) is retried until it clears, a fenced producer is replaced; either way every utterance is scored
 * exactly once and the worker keeps running. A Quarkus test only to share the text model the service loaded
 * (native libraries load once per JVM); the workers here are the test's own, on topics of their own.
 */
@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class WorkerRecoveryTest {

    @Inject
    ModelRegistry models;

    private static EmotionModel<TextInput> model;
    private static Admin admin;

    @BeforeEach
    void load() throws InterruptedException {
        await(() -> models.get(Modality.TEXT) != null, "text model loaded");
        model = ((TextEmotionModel) models.get(Modality.TEXT)).contextual();
        admin = Admin.create(Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()));
    }

    @AfterEach
    void close() {
        admin.close();
    }

    private record Setup(String in, String out, String group, SimpleMeterRegistry registry, ScoringWorker worker) {}

    private static Setup start(Map<String, String> outConfig) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String in = "recovery-in-" + run;
        String out = "recovery-out-" + run;
        admin.createTopics(List.of(new NewTopic(in, 3, (short) 1), new NewTopic(out, 3, (short) 1).configs(outConfig)))
                .all()
                .get(30, TimeUnit.SECONDS);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BatchScorer<TextInput> scorer = new BatchScorer<>(
                model,
                Inputs::text,
                out,
                new InferenceMetrics(registry, Modality.TEXT, model.manifest().ref()),
                OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE),
                "inference-service");
        String group = "recovery-" + run;
        ScoringWorker worker = new ScoringWorker(
                "recovery-" + run,
                in,
                group,
                group + "-tx",
                // a refused batch is retried by the producer until its delivery timeout: keep that short here
                Map.of(
                        "bootstrap.servers",
                        RealInfra.kafkaBootstrapServers(),
                        "request.timeout.ms",
                        3000,
                        "delivery.timeout.ms",
                        4000),
                scorer,
                4,
                Duration.ofMillis(20),
                io.emostream.guard.PoisonGuard.disabled(),
                Duration.ofMillis(200),
                Duration.ofSeconds(1));
        new Thread(worker, "recovery-worker-" + run).start();
        return new Setup(in, out, group, registry, worker);
    }

    private static void produce(String topic, String recording, int from, int to) {
        for (int i = from; i < to; i++) {
            ProducerRecord<String, byte[]> r = TestUtterances.text(recording, i, "This is great, thank you " + i);
            TestKafka.send(new ProducerRecord<>(topic, r.key(), r.value()));
        }
    }

    @Test
    void anAbortedTransactionIsReadAgainUntilItCommitsAndEveryUtteranceIsScoredOnce() throws Exception {
        // scores (~1 KB) are refused by the output topic: every transaction aborts
        Setup s = start(Map.of("max.message.bytes", "200"));
        try {
            produce(s.in(), "abort", 0, 30);
            await(
                    () -> s.registry()
                                    .get("emostream.inference.transactions.aborted")
                                    .counter()
                                    .count()
                            >= 2,
                    "transactions aborted");
            assertThat(TestKafka.scoredUtteranceIds(s.out())).isEmpty();
            admin.incrementalAlterConfigs(Map.of(
                            new ConfigResource(ConfigResource.Type.TOPIC, s.out()),
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("max.message.bytes", "8388608"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            await(() -> TestKafka.scoredUtteranceIds(s.out()).size() >= 30, "all 30 scored after the topic was fixed");
            assertExactlyOnce(TestKafka.scoredUtteranceIds(s.out()), 30);
            assertThat(s.worker().isAlive()).isTrue();
        } finally {
            s.worker().stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void aFencedProducerIsReplacedAndEveryUtteranceIsScoredOnce() throws Exception {
        Setup s = start(Map.of());
        try {
            produce(s.in(), "fenced", 0, 30);
            await(() -> TestKafka.scoredUtteranceIds(s.out()).size() >= 5, "first scores");
            // another producer with the worker's transactional id: the worker's producer is fenced
            try (KafkaProducer<byte[], byte[]> usurper = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            RealInfra.kafkaBootstrapServers(),
                            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                            s.group() + "-tx"),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                usurper.initTransactions();
            }
            produce(s.in(), "fenced", 30, 60);
            await(
                    () -> s.registry()
                                    .get("emostream.inference.clients.recreated")
                                    .counter()
                                    .count()
                            >= 1,
                    "clients recreated after the fencing");
            await(() -> TestKafka.scoredUtteranceIds(s.out()).size() >= 60, "all 60 scored");
            assertExactlyOnce(TestKafka.scoredUtteranceIds(s.out()), 60);
            assertThat(s.worker().isAlive()).isTrue();
        } finally {
            s.worker().stop(Duration.ofSeconds(30));
        }
    }

    private static void assertExactlyOnce(List<String> keys, int n) {
        Map<String, Integer> perKey = new HashMap<>();
        keys.forEach(k -> perKey.merge(k, 1, Integer::sum));
        assertThat(perKey).as("every utterance scored").hasSize(n);
        assertThat(perKey.values()).as("none scored twice").allMatch(c -> c == 1);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
