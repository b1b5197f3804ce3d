package io.emostream.contracts;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConsumerLagTest {

    private static Map.Entry<MetricName, Metric> metric(String name, String client, String partition, double value) {
        Map<String, String> tags = new HashMap<>(Map.of("client-id", client, "topic", "t"));
        if (partition != null) {
            tags.put("partition", partition);
        }
        MetricName n = new MetricName(name, "consumer-fetch-manager-metrics", "", tags);
        Metric m = new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
        return Map.entry(n, m);
    }

    @Test
    void sumsThePartitionLagOfMainConsumersOnly() {
        Map<MetricName, Metric> metrics = new HashMap<>();
        for (var e : List.of(
                metric("records-lag", "app-StreamThread-1-consumer", "0", 5),
                metric("records-lag", "app-StreamThread-1-consumer", "1", 7),
                metric("records-lag", "app-StreamThread-1-consumer", "2", Double.NaN), // not fetched yet
                metric("records-lag", "app-StreamThread-1-restore-consumer", "0", 100),
                metric("records-lag", "app-global-consumer", "0", 1000),
                metric("records-lag-max", "app-StreamThread-1-consumer", null, 7),
                metric("records-lag", "app-StreamThread-1-consumer", null, 99))) { // topic-level, no partition
            metrics.put(e.getKey(), e.getValue());
        }
        assertThat(ConsumerLag.fromMetrics(metrics)).isEqualTo(12);
    }

    @Test
    void plainConsumerLagIsEndOffsetMinusPosition() {
        MockConsumer<byte[], byte[]> c = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        TopicPartition p0 = new TopicPartition("t", 0), p1 = new TopicPartition("t", 1);
        c.assign(List.of(p0, p1));
        c.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        c.updateEndOffsets(Map.of(p0, 10L, p1, 4L));
        c.seek(p0, 3);
        c.seek(p1, 4);
        assertThat(ConsumerLag.of(c)).isEqualTo(7);
    }
}
