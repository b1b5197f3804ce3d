package io.emostream.guard.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.KafkaClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes the dead letters of Kafka Streams' exception handlers. Handlers cannot forward into the task's
 * transaction (Kafka Streams 4.1), so these go through one plain idempotent producer per JVM and are acknowledged
 * before the handler lets the task continue: a dead letter is never lost, and may be written twice if the task's
 * transaction is later aborted and the record fails again (same source topic, partition and offset).
 */
public final class DeadLetterSender {

    private static final Logger LOG = Logger.getLogger(DeadLetterSender.class);
    /** The setting (in the Kafka Streams configuration) that names the service in dead letters. */
    public static final String SERVICE_CONFIG = "emostream.service";

    private static KafkaProducer<byte[], byte[]> producer;
    private static volatile Consumer<DeadLetter> listener = dl -> {};

    private DeadLetterSender() {}

    /** Called for every dead letter the handlers write (the service counts them in its metrics). */
    public static void onDeadLetter(Consumer<DeadLetter> l) {
        listener = l == null ? dl -> {} : l;
    }

    static String service(Map<String, ?> configs) {
        Object s = configs.get(SERVICE_CONFIG);
        if (s != null) {
            return s.toString();
        }
        Object app = configs.get("application.id");
        return app == null ? "unknown" : app.toString();
    }

    /** Sends and waits for the acknowledgement; false when it could not be written. */
    static boolean send(Map<String, ?> configs, DeadLetter dl, ProducerRecord<byte[], byte[]> record) {
        try {
            producer(configs).send(record).get(60, TimeUnit.SECONDS);
            LOG.warnf(
                    "dead-lettered %s-%d@%d: %s %s",
                    dl.sourceTopic(), dl.sourcePartition(), dl.sourceOffset(), dl.reason(), dl.detail());
            listener.accept(dl);
            return true;
        } catch (Exception e) {
            LOG.errorf(e, "cannot dead-letter %s-%d@%d", dl.sourceTopic(), dl.sourcePartition(), dl.sourceOffset());
            return false;
        }
    }

    private static synchronized KafkaProducer<byte[], byte[]> producer(Map<String, ?> configs) {
        if (producer == null) {
            producer =
                    new KafkaProducer<>(producerConfig(configs), new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /**
     * The client settings (bootstrap servers, every security setting) of the Streams configuration, not its
     * producer's transactional ones, plus room for a dead letter with its record inline.
     */
    static Map<String, Object> producerConfig(Map<String, ?> configs) {
        Map<String, Object> p = KafkaClientConfig.of(configs, ProducerConfig.configNames());
        p.keySet().removeIf(k -> k.startsWith("transaction"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // rare, and mostly the original (PCM or compressed audio) bytes: compressing them costs more than it saves
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        // a dead letter carries its input record inline up to Failures.MAX_INLINE_BYTES, by reference beyond
        int max = io.emostream.guard.Failures.MAX_INLINE_BYTES + 1024 * 1024;
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, max);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, (long) max + 32L * 1024 * 1024);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, service(configs) + "-streams-deadletters");
        return p;
    }
}
