package io.emostream.ingest.streams;

import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads one record back from the recordings topic by partition and offset (no consumer group, no commits). */
final class RecordingFetcher implements RecordingSource {

    private final KafkaConsumer<byte[], byte[]> consumer;

    RecordingFetcher(Map<String, Object> kafkaConfig) {
        String clientId = "ingest-recording-fetcher-" + System.identityHashCode(this);
        this.consumer = new KafkaConsumer<>(
                config(kafkaConfig, clientId), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Bootstrap servers and every security setting (sasl.*, ssl.*) of the service's Kafka settings; no group. */
    static Map<String, Object> config(Map<String, Object> kafkaConfig, String clientId) {
        Map<String, Object> config = KafkaClientConfig.connection(kafkaConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    @Override
    public Optional<ConsumerRecord<byte[], byte[]>> fetch(int partition, long offset, Duration timeout) {
        TopicPartition tp = new TopicPartition(Topics.RECORDINGS, partition);
        consumer.assign(List.of(tp));
        long earliest = consumer.beginningOffsets(List.of(tp)).get(tp);
        if (offset < earliest) {
            return Optional.empty();
        }
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() == offset) {
                    return Optional.of(r);
                }
                if (r.offset() > offset) {
                    return Optional.empty();
                }
            }
        }
        throw new IllegalStateException("timed out reading " + tp + "@" + offset);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
