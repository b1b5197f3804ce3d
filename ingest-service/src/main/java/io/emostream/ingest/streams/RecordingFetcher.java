package io.emostream.ingest.streams;

import io.emostream.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads one record back from the recordings topic by partition and offset (no consumer group, no commits). */
final class RecordingFetcher implements RecordingSource {

    private final KafkaConsumer<byte[], byte[]> consumer;

    RecordingFetcher(Map<String, Object> kafkaConfig) {
        Map<String, Object> config = new HashMap<>();
        for (String key : List.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "security.protocol", "sasl.mechanism",
                "sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.password")) {
            if (kafkaConfig.containsKey(key)) {
                config.put(key, kafkaConfig.get(key));
            }
        }
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "ingest-recording-fetcher-" + System.identityHashCode(this));
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
