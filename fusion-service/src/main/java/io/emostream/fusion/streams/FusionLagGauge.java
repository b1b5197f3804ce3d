package io.emostream.fusion.streams;

import io.emostream.contracts.ConsumerLag;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;

/** {@code emostream_fusion_consumer_lag}: records on this instance's input partitions not yet read. */
@Startup
@ApplicationScoped
public class FusionLagGauge {

    public FusionLagGauge(MeterRegistry registry, KafkaStreams streams) {
        Gauge.builder("emostream.fusion.consumer.lag", streams, s -> ConsumerLag.fromMetrics(s.metrics()))
                .description("Records on the consumed partitions not yet read").strongReference(true)
                .register(registry);
    }
}
