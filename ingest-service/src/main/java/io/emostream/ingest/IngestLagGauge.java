package io.emostream.ingest;

import io.emostream.contracts.ConsumerLag;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;

/** {@code emostream_ingest_consumer_lag}: records on this instance's input partitions not yet read. */
@Startup
@ApplicationScoped
public class IngestLagGauge {

    public IngestLagGauge(MeterRegistry registry, KafkaStreams streams) {
        Gauge.builder("emostream.ingest.consumer.lag", streams, s -> ConsumerLag.fromMetrics(s.metrics()))
                .description("Records on the consumed partitions not yet read").strongReference(true)
                .register(registry);
    }
}
