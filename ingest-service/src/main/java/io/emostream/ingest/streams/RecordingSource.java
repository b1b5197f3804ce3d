package io.emostream.ingest.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a waiting recording's bytes are read back from when it is released: in production the recordings topic
 * itself ({@link RecordingFetcher}); topology tests, which have no broker, give the records they piped.
 */
interface RecordingSource extends AutoCloseable {

    /** The record at that position of the recordings topic, or empty when retention has already removed it. */
    Optional<ConsumerRecord<byte[], byte[]>> fetch(int partition, long offset, Duration timeout);

    @Override
    void close();
}
