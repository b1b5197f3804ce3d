package io.emostream.ingest.config;

import io.emostream.contracts.Topics;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
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

    @Test
    void topicsAndRequestSizeComeFromContractsAndTimeoutsFromMaxDuration() {
        SmallRyeConfig config =
                new SmallRyeConfigBuilder().withSources(new StreamsSizing()).build();
        assertThat(config.getValue("quarkus.kafka-streams.topics", String.class))
                .isEqualTo(String.join(
                        ",", Topics.RECORDINGS, Topics.TRANSCRIPTS, Topics.RECORDING_STATUS, Topics.ATTEMPTS));
        assertThat(config.getValue("kafka-streams.producer.max.request.size", Integer.class))
                .isEqualTo(Topics.MAX_RECORDING_MESSAGE_BYTES);
        assertThat(config.getValue(StreamsSizing.TRANSACTION_TIMEOUT, Long.class))
                .isEqualTo(420_000L);
        assertThat(config.getValue(StreamsSizing.MAX_POLL_INTERVAL, Long.class)).isEqualTo(480_000L);
    }
}
