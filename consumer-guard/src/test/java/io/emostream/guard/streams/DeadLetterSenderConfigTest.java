package io.emostream.guard.streams;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Kafka Streams handlers' dead-letter producer keeps the Streams configuration's security settings. */
class DeadLetterSenderConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"secret\";";

    @Test
    void theDeadLetterProducerLogsInButIsNotTransactional() {
        Map<String, Object> streams = Map.of(
                "bootstrap.servers",
                "kafka:9092",
                "application.id",
                "emostream-x",
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                JAAS,
                "transaction.timeout.ms",
                900_000,
                DeadLetterSender.SERVICE_CONFIG,
                "x-service");
        assertThat(DeadLetterSender.producerConfig(streams))
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .doesNotContainKeys("transaction.timeout.ms", "application.id")
                .containsEntry("client.id", "x-service-streams-deadletters");
    }
}
