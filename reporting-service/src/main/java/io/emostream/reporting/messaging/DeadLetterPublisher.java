package io.emostream.reporting.messaging;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends rejected records, untouched, to {@link Topics#DEADLETTER} and waits for the broker's acknowledgement. */
final class DeadLetterPublisher implements AutoCloseable {

    /** A record and why it was rejected. */
    record Rejection(ConsumerRecord<byte[], byte[]> record, FailureReason reason, String detail) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final String service;

    /** @param service the service's name, in its dead letters ({@link io.emostream.guard.PoisonGuard#service()}) */
    DeadLetterPublisher(Map<String, Object> kafkaConfig, String service) {
        this.service = service;
        producer =
                new KafkaProducer<>(producerConfig(kafkaConfig), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The dead-letter producer's settings: the service's Kafka settings (security included) plus its own. */
    static Map<String, Object> producerConfig(Map<String, Object> kafkaConfig) {
        Map<String, Object> config = KafkaClientConfig.of(kafkaConfig, ProducerConfig.configNames());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "reporting-deadletter");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_UTTERANCE_MESSAGE_BYTES + 64 * 1024);
        return config;
    }

    /** Publishes all and returns once every one is acknowledged; throws if any could not be written. */
    void publish(List<Rejection> rejections) throws ExecutionException, InterruptedException, TimeoutException {
        List<Future<RecordMetadata>> sent = new ArrayList<>(rejections.size());
        for (Rejection r : rejections) {
            ConsumerRecord<byte[], byte[]> in = r.record();
            DeadLetter dl = new DeadLetter(
                    r.reason(), r.detail(), in.topic(), in.partition(), in.offset(), service, Instant.now());
            sent.add(producer.send(dl.toRecord(in.key(), in.value(), in.headers())));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
