package io.emostream.ingest.streams;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The recording fetcher's hand-built consumer keeps every security setting, not a hand-picked few. */
class RecordingFetcherConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"secret\";";

    @Test
    void theFetcherLogsInWithEverySecuritySetting() {
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
                "PKCS12",
                "ssl.keystore.location",
                "/etc/user.p12",
                "group.id",
                "not-used");
        assertThat(RecordingFetcher.config(kafka, "f"))
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PKCS12")
                .containsEntry("ssl.keystore.location", "/etc/user.p12")
                .containsEntry("bootstrap.servers", "kafka:9092")
                .doesNotContainKey("group.id");
    }
}
