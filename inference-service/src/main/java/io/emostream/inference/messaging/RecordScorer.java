package io.emostream.inference.messaging;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ScoringWorker} hands its polled records to. A scorer may hold records back until later ones arrive
 * ({@link SpeakerGroupScorer} waits for a speaker's whole group): it then says which offsets may be committed, so a
 * crash or a partition moving elsewhere re-reads what it held.
 */
interface RecordScorer {

    /** Output records (scores, dead letters) for the records of this batch, and of held ones it completes. */
    List<ProducerRecord<byte[], byte[]>> score(List<BatchScorer.Arrived> batch);

    InferenceMetrics metrics();

    /** Outputs of held records that waited too long for what completes them (checked between polls). */
    default List<ProducerRecord<byte[], byte[]>> expire(long nowNanos) {
        return List.of();
    }

    /**
     * The offsets to commit with the outputs, given the batch's (the offset after each partition's last record):
     * those by default; a scorer that holds records back gives none past the first it holds.
     */
    default Map<TopicPartition, OffsetAndMetadata> offsets(Map<TopicPartition, OffsetAndMetadata> batch) {
        return batch;
    }

    /** Forgets what is held from these partitions (uncommitted: whoever reads them next reads it again). */
    default void release(Collection<TopicPartition> partitions) {}

    /** Forgets everything held (the worker re-reads from its committed offsets). */
    default void releaseAll() {}

    /**
     * Outputs owed for a record the consumer guard quarantined (it is dead-lettered unread): e.g. the held records
     * it would have completed. None by default.
     */
    default List<ProducerRecord<byte[], byte[]>> quarantined(BatchScorer.Arrived a) {
        return List.of();
    }
}
