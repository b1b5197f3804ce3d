package io.emostream.ingest.streams;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsSizingTest {

    @Test
    void transactionTimeoutGrowsWithTheLongestRecordingUpToTheBrokersLimit() {
        assertThat(StreamsSizing.transactionTimeoutMs(Duration.ofHours(4))).isEqualTo(420_000);
        assertThat(StreamsSizing.transactionTimeoutMs(Duration.ofMinutes(1))).isEqualTo(61_500);
        assertThat(StreamsSizing.transactionTimeoutMs(Duration.ofHours(24))).isEqualTo(900_000);
    }
}
