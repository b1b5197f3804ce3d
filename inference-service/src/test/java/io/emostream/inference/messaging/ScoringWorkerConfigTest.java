package io.emostream.inference.messaging;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A scoring worker's hand-built consumer and transactional producer keep the service's Kafka security settings. */
class ScoringWorkerConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"secret\";";

    @Test
    void theWorkersConsumerAndProducerLogIn() {
        Map<String, Object> kafka = Map.of(
                "bootstrap.servers",
                "kafka:9092",
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                JAAS,
                "ssl.truststore.location",
                "/etc/ca.p12");
        // clients are made when the worker starts, not here: no broker needed
        ScoringWorker worker = new ScoringWorker(
                "w",
                "emostream.utterances.audio",
                "emostream-inference-speech",
                "emostream-inference-speech-pod-0",
                kafka,
                null,
                8,
                Duration.ofMillis(10));
        for (Map<String, Object> c : List.of(worker.consumerConfig(), worker.producerConfig())) {
            assertThat(c)
                    .containsEntry("sasl.jaas.config", JAAS)
                    .containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.truststore.location", "/etc/ca.p12");
        }
        assertThat(worker.producerConfig()).containsEntry("transactional.id", "emostream-inference-speech-pod-0");
        assertThat(worker.consumerConfig()).containsEntry("group.id", "emostream-inference-speech");
    }
}
