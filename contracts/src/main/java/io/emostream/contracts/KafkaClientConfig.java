package io.emostream.contracts;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one way a service copies its Kafka settings into a client it builds by hand: the settings that kind of client
 * accepts, and always every security setting ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}), so a
 * client that logs in (SCRAM on Kubernetes) never silently connects without credentials.
 */
public final class KafkaClientConfig {

    private KafkaClientConfig() {}

    /** Whether {@code key} is a client security setting. */
    public static boolean isSecurity(String key) {
        return key.equals("security.protocol") || key.startsWith("sasl.") || key.startsWith("ssl.");
    }

    /** The entries of {@code kafka} named in {@code names} (e.g. {@code ConsumerConfig.configNames()}) or security ones. */
    public static Map<String, Object> of(Map<String, ?> kafka, Set<String> names) {
        Map<String, Object> m = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (v != null && (names.contains(k) || isSecurity(k))) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** The bootstrap servers and the security settings of {@code kafka}: what a client needs to reach the cluster. */
    public static Map<String, Object> connection(Map<String, ?> kafka) {
        return of(kafka, Set.of("bootstrap.servers"));
    }
}
