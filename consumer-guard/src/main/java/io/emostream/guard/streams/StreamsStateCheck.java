package io.emostream.guard.streams;

import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

import java.util.EnumSet;
import java.util.Set;

/**
 * A health check that is UP while the service's Kafka Streams app is in one of the given states, with the state as
 * data: the Kafka Streams services' readiness (ingest, fusion), each a subclass with its name and states. The
 * extension's own checks say less: its liveness also accepts REBALANCING, its readiness only that the topics exist.
 */
public abstract class StreamsStateCheck implements HealthCheck {

    private final String name;
    private final KafkaStreams streams;
    private final Set<KafkaStreams.State> up;

    protected StreamsStateCheck(
            String name, KafkaStreams streams, KafkaStreams.State first, KafkaStreams.State... more) {
        this.name = name;
        this.streams = streams;
        this.up = EnumSet.of(first, more);
    }

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        return HealthCheckResponse.named(name)
                .status(up.contains(state))
                .withData("state", state.name())
                .build();
    }
}
