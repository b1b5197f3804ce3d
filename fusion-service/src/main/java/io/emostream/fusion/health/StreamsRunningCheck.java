package io.emostream.fusion.health;

import io.emostream.guard.streams.StreamsStateCheck;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the fusion pipeline is RUNNING, i.e. it has its partitions and restored state and is fusing. */
@Readiness
@Singleton
public class StreamsRunningCheck extends StreamsStateCheck {

    static final String NAME = "Fusion pipeline running";

    public StreamsRunningCheck(KafkaStreams streams) {
        super(NAME, streams, KafkaStreams.State.RUNNING);
    }
}
