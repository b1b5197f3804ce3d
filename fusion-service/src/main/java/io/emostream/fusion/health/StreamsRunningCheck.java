package io.emostream.fusion.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the fusion pipeline is RUNNING, i.e. it has its partitions and restored state and is fusing.
 * (The extension's own liveness check also accepts REBALANCING and readiness only checks that topics exist.)
 */
@Readiness
@ApplicationScoped
public class StreamsRunningCheck implements HealthCheck {

    static final String NAME = "Fusion pipeline running";

    private final KafkaStreams streams;

    public StreamsRunningCheck(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        return HealthCheckResponse.named(NAME)
                .status(state == KafkaStreams.State.RUNNING)
                .withData("state", state.name())
                .build();
    }
}
