package io.emostream.ingest.streams;

import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceText;
import io.emostream.guard.PoisonGuard;
import io.emostream.ingest.AudioFixtures;
import io.emostream.ingest.IngestRecords;
import io.emostream.ingest.TestConfig;
import io.emostream.testsupport.RealInfra;
import io.emostream.testsupport.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A recording waiting for its transcript survives a restart of the ingest service, even one that loses the
 * local state directory: the wait is restored from its Kafka changelog.
 */
class RestartDuringWaitTest {

    @Test
    void waitingRecordingSurvivesARestartWithoutLocalState() throws Exception {
        String appId = "ingest-restart-" + UUID.randomUUID();
        String id = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        float[] x = AudioFixtures.pattern(16_000, 0.5, 1.5, 0.8, 2.0, 0.5);

        try (KafkaStreams first = start(appId)) {
            TestKafka.send(Topics.RECORDINGS, id, AudioFixtures.encode(AudioFixtures.Format.FLAC, 16_000, x));
            IngestRecords.status(id, RecordingStatus.State.AWAITING_TRANSCRIPT);
            first.close(Duration.ofSeconds(30));
        }

        try (KafkaStreams second = start(appId)) {
            TestKafka.send(Topics.TRANSCRIPTS, id, "It arrived after the restart".getBytes(StandardCharsets.UTF_8));
            List<UtteranceText> texts = IngestRecords.text(id, 1);
            assertThat(texts).extracting(UtteranceText::text).containsExactly("It arrived after the restart");
            assertThat(IngestRecords.status(id, RecordingStatus.State.SEGMENTED).hasTranscript())
                    .isTrue();
            second.close(Duration.ofSeconds(30));
        }
    }

    private static KafkaStreams start(String appId) throws Exception {
        Path stateDir = Files.createTempDirectory("ingest-state"); // fresh each time: nothing local survives
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");
        // Streams does not leave its group on close; a short session lets the restarted instance take over quickly
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        KafkaStreams streams = new KafkaStreams(
                TopologyProducer.build(
                        TestConfig.defaults(),
                        new IngestMetrics(new SimpleMeterRegistry()),
                        Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()),
                        OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE),
                        PoisonGuard.disabled("ingest-service")),
                p);
        streams.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        return streams;
    }
}
