package io.emostream.testsupport;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Producing to and reading from the real test broker, as a user of the platform would. */
public final class TestKafka {

    private static KafkaProducer<String, byte[]> producer;

    private TestKafka() {}

    public static synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers());
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORDING_MESSAGE_BYTES);
            config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_RECORDING_MESSAGE_BYTES);
            producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Sends and waits for the broker's acknowledgement. */
    public static void send(ProducerRecord<String, byte[]> record) {
        try {
            producer().send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + record.topic(), e);
        }
    }

    public static void send(String topic, String key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    /**
     * Reads {@code topic} from the beginning (read_committed, no consumer group) until {@code count} records match,
     * or the timeout passes; returns the matching records in the order read.
     */
    public static List<ConsumerRecord<String, byte[]>> await(
            String topic, Predicate<ConsumerRecord<String, byte[]>> match, int count, Duration timeout) {
        return await(List.of(topic), match, count, timeout);
    }

    /** {@link #await(String, Predicate, int, Duration)} over several topics (records in the order read). */
    public static List<ConsumerRecord<String, byte[]>> await(
            List<String> topics, Predicate<ConsumerRecord<String, byte[]>> match, int count, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> parts = topics.stream()
                    .flatMap(topic ->
                            consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (match.test(r)) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    /** All records currently on {@code topic} that match, reading up to the end offsets at the time of the call. */
    public static List<ConsumerRecord<String, byte[]>> readAll(
            String topic, Predicate<ConsumerRecord<String, byte[]>> match) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (match.test(r)) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    /** Utterance ids of the committed emotion scores on {@code topic}, in the order read ({@link #readAll}). */
    public static List<String> scoredUtteranceIds(String topic) {
        return readAll(topic, r -> true).stream()
                .map(r ->
                        EventSerdes.EMOTION_SCORE.deserialize(topic, r.value()).utteranceId())
                .toList();
    }

    /** The partition the default partitioner gives {@code key} on a platform topic (murmur2, as producers do). */
    public static int partitionOf(String key) {
        byte[] b = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(b))
                % Topics.DEFAULT_PARTITIONS;
    }

    /**
     * A key {@code prefix + n + suffix} (smallest n) that lands on the same partition as {@code other}: a record
     * "behind" another on its partition.
     */
    public static String keyOnPartitionOf(String other, String prefix, String suffix) {
        int target = partitionOf(other);
        for (int n = 0; ; n++) {
            String k = prefix + n + suffix;
            if (partitionOf(k) == target) {
                return k;
            }
        }
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_UTTERANCE_MESSAGE_BYTES);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
