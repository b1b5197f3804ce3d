package io.emostream.ingest.rest;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST uploads' hand-built producer keeps the service's Kafka security settings. */
class RecordingUploadsConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"secret\";";

    @Test
    void theUploadProducerLogsIn() {
        Map<String, Object> kafka = Map.of(
                "bootstrap.servers",
                "kafka:9092",
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                JAAS,
                "ssl.truststore.location",
                "/etc/ca.p12",
                "ssl.truststore.type",
                "PKCS12");
        assertThat(RecordingUploads.producerConfig(kafka))
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/ca.p12")
                .containsEntry("ssl.truststore.type", "PKCS12")
                .containsEntry("client.id", "ingest-rest-uploads");
    }
}
