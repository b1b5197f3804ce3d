package io.emostream.guard;

import io.emostream.contracts.Topics;
import io.emostream.testsupport.RealInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard against the real broker, with crashed runs simulated: a consumer "run" is a new guard and a new
 * consumer in the group; a run that reaches the JVM-killing record is abandoned there (unsent markers dropped,
 * offsets since the last commit not committed, as a halt leaves them), and the next run starts. The guard must
 * quarantine exactly that record, after exactly the configured attempts, and nothing else.
 */
class PoisonGuardTest {

    private static final Map<String, Object> KAFKA = new HashMap<>();

    @BeforeAll
    static void broker() {
        KAFKA.put("bootstrap.servers", RealInfra.kafkaBootstrapServers());
    }

    /** What one simulated run did. */
    private record Run(boolean crashed, List<Long> quarantined, Set<String> processed) {}

    @Test
    void aRecordThatKillsTheJvmIsQuarantinedAfterTheConfiguredAttemptsAndNothingElseIs() throws Exception {
        String topic = topic(2);
        produce(topic, 0, 200);
        produce(topic, 1, 200);
        String group = "guard-test-" + UUID.randomUUID();
        GuardSettings settings = GuardSettings.defaults().withAttempts(3, 2);
        TopicPartition poisonTp = new TopicPartition(topic, 0);
        long poison = 120;

        Set<String> processed = new HashSet<>();
        List<Long> quarantined = new ArrayList<>();
        int crashes = 0;
        for (int run = 1; run <= 10; run++) {
            Run r = run(settings, group, topic, poisonTp, poison, 35);
            processed.addAll(r.processed());
            quarantined.addAll(r.quarantined());
            if (!r.crashed()) {
                break;
            }
            crashes++;
        }
        // careful after 2 quick deaths in a row; then the record in flight at 3 deaths is quarantined
        assertThat(crashes)
                .as("deaths before the quarantine")
                .isEqualTo(settings.carefulAfter() + settings.maxAttempts());
        assertThat(quarantined).as("only the poison record, once").containsExactly(poison);
        for (int p = 0; p < 2; p++) {
            for (long o = 0; o < 200; o++) {
                if (!(p == 0 && o == poison)) {
                    assertThat(processed).as("processed " + p + "@" + o).contains(p + "@" + o);
                }
            }
        }
    }

    @Test
    void aConsumerThatAlwaysMarksQuarantinesAfterExactlyNDeaths() throws Exception {
        String topic = topic(1);
        produce(topic, 0, 30);
        String group = "guard-test-" + UUID.randomUUID();
        GuardSettings settings = GuardSettings.defaults().withAttempts(2, 2).withAlwaysCareful(true);
        TopicPartition tp = new TopicPartition(topic, 0);
        int crashes = 0;
        List<Long> quarantined = new ArrayList<>();
        for (int run = 1; run <= 6; run++) {
            Run r = run(settings, group, topic, tp, 7, 1);
            quarantined.addAll(r.quarantined());
            if (!r.crashed()) {
                assertThat(r.processed())
                        .as("the rest of the partition after the quarantine")
                        .contains("0@29");
                break;
            }
            crashes++;
        }
        assertThat(crashes).isEqualTo(2);
        assertThat(quarantined).containsExactly(7L);
    }

    @Test
    void normalModeWritesAMarkerPerRunNotPerRecord() throws Exception {
        String topic = topic(1);
        produce(topic, 0, 5000);
        String group = "guard-test-" + UUID.randomUUID();
        GuardSettings settings = GuardSettings.defaults();
        Run r = run(settings, group, topic, new TopicPartition(topic, 0), -1, 500);
        assertThat(r.crashed()).isFalse();
        assertThat(r.processed()).hasSize(5000);
        long markers = markersOf(new GuardKey(group, topic, 0).id());
        System.out.printf("normal mode: %d markers for 5000 records%n", markers);
        // one at the restart point, then one per reached-interval (1 s) at most, plus the release
        assertThat(markers).isLessThan(50);
    }

    @Test
    void quickCleanRestartsAreNotCrashes() throws Exception {
        String topic = topic(1);
        produce(topic, 0, 40);
        String group = "guard-test-" + UUID.randomUUID();
        GuardSettings settings = GuardSettings.defaults().withAttempts(1, 1);
        GuardKey key = new GuardKey(group, topic, 0);
        for (int run = 0; run < 4; run++) {
            PoisonGuard guard = PoisonGuard.create(settings, KAFKA, "test-service", null);
            try {
                assertThat(guard.careful(key, run * 10L))
                        .as("run " + run + " careful")
                        .isFalse();
                for (long o = run * 10L; o < run * 10L + 10; o++) {
                    guard.after(guard.before(key, o));
                }
                guard.release(List.of(key));
            } finally {
                guard.close();
            }
        }
    }

    /**
     * One run of a consumer under the guard: reads the group's partitions from the committed offsets, commits every
     * {@code commitEvery} records, and dies at {@code poison} of {@code poisonTp} unless the guard quarantines it.
     */
    private Run run(
            GuardSettings settings, String group, String topic, TopicPartition poisonTp, long poison, int commitEvery) {
        PoisonGuard guard = PoisonGuard.create(settings, KAFKA, "test-service", null);
        List<Long> quarantined = new ArrayList<>();
        Set<String> processed = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(group)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
            int sinceCommit = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("run finished in time").isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    GuardKey key = new GuardKey(group, r.topic(), r.partition());
                    Attempt a = guard.before(key, r.offset());
                    if (a.quarantined()) {
                        quarantined.add(r.offset());
                    } else if (tp.equals(poisonTp) && r.offset() == poison) {
                        guard.abandon(); // the JVM dies here: nothing after this point happens
                        return new Run(true, quarantined, processed);
                    } else {
                        processed.add(r.partition() + "@" + r.offset());
                    }
                    guard.after(a);
                    pending.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    if (++sinceCommit >= commitEvery) {
                        consumer.commitSync(pending);
                        sinceCommit = 0;
                    }
                }
            }
            consumer.commitSync(pending);
            guard.release(parts.stream()
                    .map(tp -> new GuardKey(group, topic, tp.partition()))
                    .toList());
            guard.close();
            return new Run(false, quarantined, processed);
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String group) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        RealInfra.kafkaBootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        group,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        50),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    private static String topic(int partitions) throws Exception {
        String name = "guard-test-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        return name;
    }

    private static void produce(String topic, int partition, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        RealInfra.kafkaBootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                p.send(new ProducerRecord<>(
                        topic,
                        partition,
                        ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    /** How many markers were written for a key (the topic is not compacted yet within a test). */
    private static long markersOf(String key) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(Topics.ATTEMPTS).stream()
                    .map(p -> new TopicPartition(Topics.ATTEMPTS, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (key.equals(r.key())) {
                        n++;
                    }
                }
            }
            return n;
        }
    }
}
