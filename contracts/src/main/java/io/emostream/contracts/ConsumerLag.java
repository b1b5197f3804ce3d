package io.emostream.contracts;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

import java.util.Map;

/**
 * Consumer lag, the same way for every service: records on the partitions a consumer is assigned that it has not
 * read yet (log end offset minus position, as of the last fetch). Each service exposes it as the gauge
 * {@code emostream_<service>_consumer_lag}.
 */
public final class ConsumerLag {

    private ConsumerLag() {}

    /** For a plain consumer; call it on the consumer's own thread (after a poll). */
    public static long of(Consumer<?, ?> consumer) {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        return lag;
    }

    /**
     * From a client's metrics, e.g. {@code KafkaStreams.metrics()} (thread-safe): the per-partition
     * {@code records-lag} of its main consumers, leaving out the restore and global-store consumers.
     */
    public static long fromMetrics(Map<MetricName, ? extends Metric> metrics) {
        long lag = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName n = e.getKey();
            if (!n.name().equals("records-lag")
                    || !n.group().equals("consumer-fetch-manager-metrics")
                    || !n.tags().containsKey("partition")) {
                continue;
            }
            String client = n.tags().getOrDefault("client-id", "");
            if (client.endsWith("restore-consumer") || client.endsWith("global-consumer")) {
                continue;
            }
            if (e.getValue().metricValue() instanceof Number v && !Double.isNaN(v.doubleValue())) {
                lag += (long) v.doubleValue();
            }
        }
        return lag;
    }
}
