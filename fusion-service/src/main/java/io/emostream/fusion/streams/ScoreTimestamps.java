package io.emostream.fusion.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * A score's event time is its record timestamp (when inference produced it). A record without a valid one gets
 * the partition's time, or the wall clock when there is none yet, instead of stopping the stream thread as
 * Kafka Streams' default extractor would.
 */
final class ScoreTimestamps implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.timestamp() >= 0) {
            return record.timestamp();
        }
        return partitionTime >= 0 ? partitionTime : System.currentTimeMillis();
    }
}
