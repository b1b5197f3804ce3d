package io.emostream.ingest.health;

import io.emostream.guard.streams.StreamsStateCheck;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the ingest pipeline runs: RUNNING, or REBALANCING (an instance joining or leaving), during which
 * uploads are still taken and published; not before Kafka Streams has started, nor after it failed or stopped.
 */
@Readiness
@Singleton
public class StreamsRunningCheck extends StreamsStateCheck {

    static final String NAME = "Ingest pipeline running";

    public StreamsRunningCheck(KafkaStreams streams) {
        super(NAME, streams, KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
    }
}
