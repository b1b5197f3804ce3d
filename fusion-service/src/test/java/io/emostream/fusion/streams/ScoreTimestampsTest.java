package io.emostream.fusion.streams;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ScoreTimestampsTest {

    private static ConsumerRecord<Object, Object> at(long timestamp) {
        return new ConsumerRecord<>(
                "t", 0, 0, timestamp, TimestampType.CREATE_TIME, 0, 0, "k", "v", new RecordHeaders(), Optional.empty());
    }

    @Test
    void usesTheRecordTimestampElsePartitionTimeElseTheWallClockInsteadOfFailing() {
        ScoreTimestamps extractor = new ScoreTimestamps();

        assertThat(extractor.extract(at(1_000), 5_000)).isEqualTo(1_000);
        assertThat(extractor.extract(at(-1), 5_000)).isEqualTo(5_000);
        long before = System.currentTimeMillis();
        assertThat(extractor.extract(at(-1), -1)).isBetween(before, System.currentTimeMillis());
    }
}
