package io.emostream.guard;

import io.emostream.contracts.Json;
import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads and writes the markers on {@link Topics#ATTEMPTS}: a plain idempotent producer (not part of any consumer's
 * transaction, so a marker survives the abort of the work it describes), and a reader that keeps the latest marker
 * of every key (the compacted topic holds one small record per consumed partition).
 */
final class AttemptLog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AttemptLog.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> reader;
    private final List<TopicPartition> partitions;
    private final Map<String, Marker> latest = new HashMap<>();

    /** @throws IllegalStateException when the attempts topic does not exist */
    AttemptLog(Map<String, Object> kafka, String clientId) {
        Map<String, Object> p = producerConfig(kafka, clientId);
        Map<String, Object> c = readerConfig(kafka, clientId);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.ATTEMPTS, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            consumer.close(Duration.ZERO);
            throw new IllegalStateException(
                    "topic " + Topics.ATTEMPTS + " does not exist (create every topic of " + "contracts' Topics.ALL)");
        }
        this.reader = consumer;
        this.partitions = infos.stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        reader.assign(partitions);
        reader.seekToBeginning(partitions);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** The marker writer's settings: the service's Kafka settings (security included) plus its own. */
    static Map<String, Object> producerConfig(Map<String, Object> kafka, String clientId) {
        Map<String, Object> p = KafkaClientConfig.of(kafka, ProducerConfig.configNames());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WRITE_TIMEOUT.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-attempts-writer");
        return p;
    }

    /** The marker reader's settings (assigned partitions, no group). */
    static Map<String, Object> readerConfig(Map<String, Object> kafka, String clientId) {
        Map<String, Object> c = KafkaClientConfig.of(kafka, ConsumerConfig.configNames());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-attempts-reader");
        return c;
    }

    /** The latest marker of {@code key}, after reading everything written to the topic so far; null if none. */
    synchronized Marker read(GuardKey key) {
        Map<TopicPartition, Long> end = reader.endOffsets(partitions, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading " + Topics.ATTEMPTS);
            }
            for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                if (r.key() == null) {
                    continue;
                }
                Marker m = r.value() == null ? null : decode(r.value());
                if (m == null) {
                    latest.remove(r.key());
                } else {
                    latest.put(r.key(), m);
                }
            }
        }
        return latest.get(key.id());
    }

    /** Writes and waits for the broker's acknowledgement (the marker is durable when this returns). */
    void writeSync(GuardKey key, Marker marker) throws Exception {
        producer.send(record(key, marker)).get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes without waiting; ordered after every earlier write of this log (idempotent producer). */
    void writeAsync(GuardKey key, Marker marker) {
        try {
            producer.send(record(key, marker), (md, e) -> {
                if (e != null) {
                    LOG.debugf("attempt marker for %s not written: %s", key, e.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debugf("attempt marker for %s not written: %s", key, e.toString());
        }
    }

    private static ProducerRecord<String, byte[]> record(GuardKey key, Marker marker) {
        try {
            return new ProducerRecord<>(Topics.ATTEMPTS, key.id(), Json.MAPPER.writeValueAsBytes(marker));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Marker decode(byte[] value) {
        try {
            return Json.MAPPER.readValue(value, Marker.class);
        } catch (IOException e) {
            LOG.warnf("unreadable marker on %s ignored: %s", Topics.ATTEMPTS, e.getMessage());
            return null;
        }
    }

    /** Sends what is buffered (waits up to {@code timeout}), then closes both clients. */
    @Override
    public synchronized void close() {
        close(Duration.ofSeconds(5));
    }

    /** {@code Duration.ZERO} drops unsent markers, as a crash would (tests simulate crashed runs with it). */
    synchronized void close(Duration timeout) {
        try {
            producer.close(timeout);
        } finally {
            reader.close(Duration.ZERO);
        }
    }
}
