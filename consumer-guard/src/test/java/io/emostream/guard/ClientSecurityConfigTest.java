package io.emostream.guard;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The attempt log's hand-built clients keep the service's Kafka security settings. */
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
    void theAttemptLogsWriterAndReaderLogIn() {
        for (Map<String, Object> c :
                java.util.List.of(AttemptLog.producerConfig(KAFKA, "svc"), AttemptLog.readerConfig(KAFKA, "svc"))) {
            assertThat(c)
                    .containsEntry("sasl.jaas.config", JAAS)
                    .containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.truststore.location", "/etc/ca.p12")
                    .containsEntry("bootstrap.servers", "kafka:9092");
        }
    }
}
