package io.emostream.reporting.messaging;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink's hand-built consumer and dead-letter producer keep the service's Kafka security settings. */
class ClientSecurityConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"secret\";";
    static final Map<String, Object> KAFKA = Map.of(
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

    @Test
    void theSinkConsumerAndTheDeadLetterProducerLogIn() {
        for (Map<String, Object> c : List.of(
                SinkConsumer.consumerConfig(KAFKA, "emostream-reporting", 2000),
                DeadLetterPublisher.producerConfig(KAFKA))) {
            assertThat(c)
                    .containsEntry("sasl.jaas.config", JAAS)
                    .containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.truststore.location", "/etc/ca.p12")
                    .containsEntry("bootstrap.servers", "kafka:9092");
        }
        assertThat(SinkConsumer.consumerConfig(KAFKA, "emostream-reporting", 2000))
                .containsEntry("group.id", "emostream-reporting")
                .containsEntry("max.poll.records", 2000);
    }
}
