package io.emostream.fusion.config;

import io.emostream.contracts.Topics;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Kafka Streams settings derived from the contracts module, so topic names and size limits are not copied into
 * application.properties. Low ordinal: application.properties and the environment can still override them.
 */
public class ContractsConfigSource implements ConfigSource {

    private static final Map<String, String> VALUES = Map.of(
            // the pipeline starts (and readiness turns UP) only once these exist
            "quarkus.kafka-streams.topics",
            String.join(
                    ",", Topics.SCORES_SPEECH, Topics.SCORES_TEXT, Topics.EMOTIONS, Topics.DEADLETTER, Topics.ATTEMPTS),
            // a dead letter carries a whole input record (up to the utterance limit) plus headers
            "kafka-streams.producer.max.request.size",
            Integer.toString(Topics.MAX_UTTERANCE_REQUEST_BYTES));

    @Override
    public Map<String, String> getProperties() {
        return VALUES;
    }

    @Override
    public Set<String> getPropertyNames() {
        return VALUES.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return VALUES.get(propertyName);
    }

    @Override
    public String getName() {
        return "emostream-contracts";
    }

    @Override
    public int getOrdinal() {
        return 50;
    }
}
