package io.emostream.guard.streams;

import io.emostream.contracts.ConsumerLag;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code <prefix>_consumer_lag} of a Kafka Streams service: records on this instance's input partitions not yet
 * read, from the app's own consumer metrics ({@link ConsumerLag#fromMetrics}). The one lag gauge of ingest and
 * fusion; it lives here because this module is what both Streams services share.
 */
public final class StreamsLag {

    private StreamsLag() {}

    /** @param prefix the service's meter prefix, e.g. {@code emostream.fusion} */
    public static void register(MeterRegistry registry, String prefix, KafkaStreams streams) {
        Gauge.builder(prefix + ".consumer.lag", streams, s -> ConsumerLag.fromMetrics(s.metrics()))
                .description("Records on the consumed partitions not yet read")
                .strongReference(true)
                .register(registry);
    }
}
