package io.emostream.contracts;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClientConfigTest {

    static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" " + "password=\"p\";";

    /** What Quarkus' default-kafka-broker map holds on Kubernetes (plus noise a client must not get). */
    static Map<String, Object> kafka() {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "kafka:9092");
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", "SCRAM-SHA-512");
        m.put("sasl.jaas.config", JAAS);
        m.put("ssl.truststore.location", "/etc/ca.p12");
        m.put("ssl.truststore.type", "PKCS12");
        m.put("ssl.keystore.location", "/etc/user.p12");
        m.put("group.id", "someone-else");
        m.put("streams.num.standby.replicas", "1");
        m.put("empty", null);
        return m;
    }

    @Test
    void keepsEverySecuritySettingAndOnlyWhatTheClientKindAccepts() {
        Map<String, Object> producer = KafkaClientConfig.of(kafka(), ProducerConfig.configNames());
        assertThat(producer)
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PKCS12")
                .containsKeys("ssl.truststore.location", "ssl.keystore.location", "bootstrap.servers")
                .doesNotContainKeys("group.id", "streams.num.standby.replicas", "empty");
        assertThat(KafkaClientConfig.of(kafka(), ConsumerConfig.configNames()))
                .containsEntry("group.id", "someone-else")
                .containsEntry("sasl.jaas.config", JAAS);
        // a setting no client kind lists, under a security prefix, still travels (e.g. a newer ssl.* option)
        Map<String, Object> k = kafka();
        k.put("ssl.some.future.option", "x");
        assertThat(KafkaClientConfig.of(k, ProducerConfig.configNames())).containsEntry("ssl.some.future.option", "x");
        assertThat(KafkaClientConfig.connection(kafka()))
                .containsOnlyKeys(
                        "bootstrap.servers",
                        "security.protocol",
                        "sasl.mechanism",
                        "sasl.jaas.config",
                        "ssl.truststore.location",
                        "ssl.truststore.type",
                        "ssl.keystore.location");
    }
}
