package io.emostream.ingest.streams;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.guard.PoisonGuard;
import io.emostream.ingest.AudioFixtures;
import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.config.IngestConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest topology as a user sees it: recordings and transcripts in; utterance audio and text, statuses and dead
 * letters out. Real FFmpeg decoding and segmentation; wall-clock time starts at a fixed instant and is advanced to
 * end waits (defaults: 30 s transcript wait, 24 h transcript retention, 1 s expiry check). The one stand-in is where
 * a released recording's bytes are read back from: the records piped here instead of the recordings topic (the
 * real read is covered by IngestKafkaTest and RestartDuringWaitTest).
 */
class TopologyTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final String APP_ID = "ingest-topology-test";

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics metrics = new IngestMetrics(registry);
    /** Everything piped into the recordings topic, by offset (the one partition of the test driver). */
    private final List<ConsumerRecord<byte[], byte[]>> piped = new ArrayList<>();

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> recordings;
    private TestInputTopic<String, byte[]> transcripts;
    private TestOutputTopic<String, byte[]> audio;
    private TestOutputTopic<String, byte[]> grouped;
    private TestOutputTopic<String, UtteranceText> text;
    private TestOutputTopic<String, RecordingStatus> status;
    private TestOutputTopic<String, byte[]> deadLetters;

    /** 0.5 s silence, 1.5 s speech, 0.8 s silence, 2 s speech, 0.5 s silence: two utterances by voice activity. */
    private static final byte[] TWO_UTTERANCES = AudioFixtures.encode(
            AudioFixtures.Format.FLAC, 16_000, AudioFixtures.pattern(16_000, 0.5, 1.5, 0.8, 2.0, 0.5));

    private void start(IngestConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(
                TopologyProducer.build(
                        config,
                        metrics,
                        PipedRecordings::new,
                        OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE),
                        PoisonGuard.disabled("ingest-service")),
                props,
                T0);
        recordings = driver.createInputTopic(
                Topics.RECORDINGS, new StringSerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        transcripts = driver.createInputTopic(
                Topics.TRANSCRIPTS, new StringSerializer(), new ByteArraySerializer(), T0, Duration.ZERO);
        audio = driver.createOutputTopic(
                Topics.UTTERANCES_AUDIO, new StringDeserializer(), new ByteArrayDeserializer());
        grouped = driver.createOutputTopic(
                Topics.UTTERANCES_AUDIO_SPEAKER, new StringDeserializer(), new ByteArrayDeserializer());
        text = driver.createOutputTopic(Topics.UTTERANCES_TEXT, new StringDeserializer(), EventSerdes.UTTERANCE_TEXT);
        status = driver.createOutputTopic(
                Topics.RECORDING_STATUS, new StringDeserializer(), EventSerdes.RECORDING_STATUS);
        deadLetters =
                driver.createOutputTopic(Topics.DEADLETTER, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private void start() {
        start(IngestConfigs.of(Map.of()));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Pipes a recording, as a producer sends it; headers as name, value pairs. */
    private void sendRecording(String id, byte[] bytes, String... headers) {
        Headers h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        piped.add(new ConsumerRecord<>(
                Topics.RECORDINGS,
                0,
                piped.size(),
                T0.toEpochMilli(),
                TimestampType.CREATE_TIME,
                key.length,
                bytes.length,
                key,
                bytes,
                h,
                Optional.empty()));
        recordings.pipeInput(new TestRecord<>(id, bytes, h));
    }

    private void sendTranscript(String id, String transcript) {
        transcripts.pipeInput(id, transcript.getBytes(StandardCharsets.UTF_8));
    }

    /** The recordings topic as the driver's tasks read it back: what was piped, by offset. */
    private final class PipedRecordings implements RecordingSource {
        @Override
        public Optional<ConsumerRecord<byte[], byte[]>> fetch(int partition, long offset, Duration timeout) {
            return partition == 0 && offset < piped.size() ? Optional.of(piped.get((int) offset)) : Optional.empty();
        }

        @Override
        public void close() {}
    }

    private static UtteranceAudio meta(TestRecord<String, byte[]> r) {
        return AudioRecords.meta(r.headers());
    }

    private double awaitingGauge() {
        return registry.get("emostream.ingest.awaiting.transcript").gauge().value();
    }

    // ---- segmented at once -------------------------------------------------------------------------------------

    /** An inline JSON transcript of TWO_UTTERANCES: the agent's question, the customer's complaint. */
    private static String agentAndCustomer(String id) {
        return new String(
                EventSerdes.TRANSCRIPT.serialize(
                        Topics.TRANSCRIPTS,
                        Transcript.timed(
                                id,
                                "en",
                                List.of(
                                        new Transcript.Segment(0.4, 2.1, "agent", "How can I help you?"),
                                        new Transcript.Segment(2.7, 4.9, "customer", "I want my money back!")))),
                StandardCharsets.UTF_8);
    }

    @Test
    void withSpeakerGroupsOffNamedSpeakersUtterancesGoToThePerUtteranceTopic() {
        start(IngestConfigs.of(Map.of("emostream.ingest.speaker-groups", "false")));
        sendRecording("r9", TWO_UTTERANCES, RecordingHeaders.TRANSCRIPT, agentAndCustomer("r9"));

        assertThat(grouped.isEmpty()).isTrue();
        List<TestRecord<String, byte[]>> a = audio.readRecordsToList();
        assertThat(a).extracting(TestRecord::key).containsExactly("r9#0", "r9#1");
        assertThat(a).extracting(r -> meta(r).speaker()).containsExactly("agent", "customer");
    }

    @Test
    void aSpeakerWithMoreUtterancesThanTheGroupLimitGetsConsecutiveGroups() {
        start(IngestConfigs.of(Map.of("emostream.ingest.speaker-group-max-utterances", "2")));
        String transcript = new String(
                EventSerdes.TRANSCRIPT.serialize(
                        Topics.TRANSCRIPTS,
                        Transcript.timed(
                                "r8",
                                "en",
                                List.of(
                                        new Transcript.Segment(0.4, 1.2, "agent", "Hello."),
                                        new Transcript.Segment(1.3, 2.1, "agent", "How can I help you?"),
                                        new Transcript.Segment(2.7, 4.9, "agent", "Let me check that.")))),
                StandardCharsets.UTF_8);
        sendRecording("r8", TWO_UTTERANCES, RecordingHeaders.TRANSCRIPT, transcript);

        // one key, in order: two utterances, the end of that group, the third, the end of the last group
        List<TestRecord<String, byte[]>> g = grouped.readRecordsToList();
        assertThat(g).extracting(TestRecord::key).containsOnly("r8|agent");
        assertThat(g)
                .extracting(r -> SpeakerGroups.isEnd(r.headers())
                        ? "end " + SpeakerGroups.end(r.value()).utterances()
                        : meta(r).utteranceId())
                .containsExactly("r8#0", "r8#1", "end 2", "r8#2", "end 1");
    }

    @Test
    void recordingWithAnInlineTranscriptIsCutByItsSegments() {
        start();
        sendRecording("r1", TWO_UTTERANCES, RecordingHeaders.TRANSCRIPT, agentAndCustomer("r1"));

        // named speakers: each speaker's utterances under its group key, then the group's end marker
        assertThat(audio.isEmpty()).isTrue();
        List<TestRecord<String, byte[]>> g = grouped.readRecordsToList();
        assertThat(g).extracting(TestRecord::key).containsExactly("r1|agent", "r1|customer", "r1|agent", "r1|customer");
        assertThat(g.subList(2, 4))
                .extracting(r -> SpeakerGroups.end(r.value()))
                .containsExactly(new SpeakerGroups.End("r1", "agent", 1), new SpeakerGroups.End("r1", "customer", 1));
        List<TestRecord<String, byte[]>> a = g.subList(0, 2);
        assertThat(a).extracting(r -> meta(r).utteranceId()).containsExactly("r1#0", "r1#1");
        assertThat(a).allSatisfy(r -> assertThat(meta(r).hasTranscript()).isTrue());
        assertThat(meta(a.get(0)).startMs()).isEqualTo(400);
        assertThat(meta(a.get(1)).endMs()).isEqualTo(4900);
        assertThat(a.get(1).value().length / 2).isEqualTo((4900 - 2700) * 16); // 16 kHz s16le

        List<UtteranceText> texts = text.readValuesToList();
        assertThat(texts)
                .extracting(UtteranceText::text)
                .containsExactly("How can I help you?", "I want my money back!");
        assertThat(texts).extracting(UtteranceText::language).containsOnly("en");
        assertThat(texts.get(0).context()).isEmpty();
        assertThat(texts.get(1).context()).containsExactly(new UtteranceText.Turn("agent", "How can I help you?"));

        List<RecordingStatus> s = status.readValuesToList();
        assertThat(s).singleElement().satisfies(st -> {
            assertThat(st.state()).isEqualTo(RecordingStatus.State.SEGMENTED);
            assertThat(st.utteranceCount()).isEqualTo(2);
            assertThat(st.hasTranscript()).isTrue();
        });
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    // ---- the rendezvous ----------------------------------------------------------------------------------------

    @Test
    void recordingWaitsAndItsTranscriptReleasesIt() {
        start();
        sendRecording("r2", TWO_UTTERANCES, RecordingHeaders.LANGUAGE, "en");
        assertThat(status.readValuesToList())
                .extracting(RecordingStatus::state)
                .containsExactly(RecordingStatus.State.AWAITING_TRANSCRIPT);
        assertThat(audio.isEmpty()).isTrue();
        assertThat(awaitingGauge()).isEqualTo(1);

        driver.advanceWallClockTime(Duration.ofSeconds(10));
        sendTranscript("r2", "Kids are talking by the door");

        List<UtteranceText> texts = text.readValuesToList();
        assertThat(texts).singleElement().satisfies(t -> {
            assertThat(t.text()).isEqualTo("Kids are talking by the door");
            assertThat(t.language()).as("from the recording's header").isEqualTo("en");
            assertThat(t.startMs()).isZero();
        });
        assertThat(audio.readRecordsToList())
                .singleElement()
                .satisfies(r -> assertThat(meta(r).hasTranscript()).isTrue());
        assertThat(status.readValuesToList()).singleElement().satisfies(st -> {
            assertThat(st.state()).isEqualTo(RecordingStatus.State.SEGMENTED);
            assertThat(st.hasTranscript()).isTrue();
        });
        assertThat(awaitingGauge()).isZero();

        // released once: the end of its wait finds nothing
        driver.advanceWallClockTime(Duration.ofSeconds(60));
        assertThat(audio.isEmpty()).isTrue();
        assertThat(status.isEmpty()).isTrue();
    }

    @Test
    void transcriptThatComesFirstIsKeptForItsRecording() {
        start();
        transcripts.pipeInput(new TestRecord<>(
                "r3",
                """
                WEBVTT

                00:00:00.400 --> 00:00:02.100
                <v Agent>Good morning.

                00:00:02.700 --> 00:00:04.900
                <v Customer>This is unacceptable!
                """.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders().add(RecordingHeaders.CONTENT_TYPE, "text/vtt".getBytes(StandardCharsets.UTF_8))));
        assertThat(status.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofHours(1));
        sendRecording("r3", TWO_UTTERANCES);

        assertThat(text.readValuesToList()).extracting(UtteranceText::speaker).containsExactly("Agent", "Customer");
        assertThat(grouped.readRecordsToList())
                .filteredOn(r -> !SpeakerGroups.isEnd(r.headers()))
                .hasSize(2);
        assertThat(status.readValuesToList())
                .extracting(RecordingStatus::state)
                .containsExactly(RecordingStatus.State.SEGMENTED);
        // taken: its retention ending later dead-letters nothing
        driver.advanceWallClockTime(Duration.ofHours(24));
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void whenTheWaitEndsTheRecordingIsSegmentedSpeechOnly() {
        start();
        sendRecording("r4", TWO_UTTERANCES);
        status.readValuesToList();

        driver.advanceWallClockTime(Duration.ofSeconds(29));
        assertThat(audio.isEmpty()).as("still within its 30 s wait").isTrue();

        driver.advanceWallClockTime(Duration.ofSeconds(2));
        List<TestRecord<String, byte[]>> a = audio.readRecordsToList();
        assertThat(a).extracting(TestRecord::key).containsExactly("r4#0", "r4#1");
        assertThat(a).allSatisfy(r -> assertThat(meta(r).hasTranscript()).isFalse());
        assertThat(text.isEmpty()).isTrue();
        assertThat(status.readValuesToList()).singleElement().satisfies(st -> {
            assertThat(st.state()).isEqualTo(RecordingStatus.State.SEGMENTED);
            assertThat(st.hasTranscript()).isFalse();
        });
        assertThat(awaitingGauge()).isZero();
    }

    @Test
    void expiryReleasesAtMostTheBatchPerCheckEarliestDeadlineFirst() {
        start(IngestConfigs.of(Map.of("emostream.ingest.expiry-batch", "2")));
        byte[] one =
                AudioFixtures.encode(AudioFixtures.Format.WAV, 16_000, AudioFixtures.pattern(16_000, 0.3, 1.0, 0.3));
        // ids in the reverse of their arrival, so the store's key order is not the deadline order
        for (String id : List.of("e5", "e4", "e3", "e2", "e1")) {
            sendRecording(id, one);
            driver.advanceWallClockTime(Duration.ofMillis(100));
        }
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(audio.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("e5#0", "e4#0");
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(audio.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("e3#0", "e2#0");
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(audio.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("e1#0");
    }

    @Test
    void transcriptWithoutItsRecordingIsDeadLetteredAfterTheRetention() {
        start();
        sendTranscript("r5", "Nobody will ever say this.");

        driver.advanceWallClockTime(Duration.ofHours(23).plusMinutes(59));
        assertThat(deadLetters.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofMinutes(1));
        TestRecord<String, byte[]> dl = deadLetters.readRecord();
        assertThat(dl.key()).isEqualTo("r5");
        assertThat(new String(dl.value(), StandardCharsets.UTF_8)).isEqualTo("Nobody will ever say this.");
        DeadLetter d = DeadLetter.fromHeaders(dl.headers());
        assertThat(d.reason()).isEqualTo(FailureReason.TRANSCRIPT_WITHOUT_RECORDING);
        assertThat(d.sourceTopic()).isEqualTo(Topics.TRANSCRIPTS);
        assertThat(d.sourceOffset()).isZero();
        assertThat(deadLetters.isEmpty()).isTrue();

        // dropped: its recording, coming now, waits for a transcript of its own
        sendRecording("r5", TWO_UTTERANCES);
        assertThat(status.readValuesToList())
                .extracting(RecordingStatus::state)
                .containsExactly(RecordingStatus.State.AWAITING_TRANSCRIPT);
    }

    // ---- bad input ---------------------------------------------------------------------------------------------

    @Test
    void badKeysAreDeadLetteredWithTheOriginalBytes() {
        start();
        sendRecording("not a valid id!", TWO_UTTERANCES, RecordingHeaders.TRANSCRIPT_MODE, "none");
        sendTranscript("also not valid!", "Hello.");

        List<TestRecord<String, byte[]>> dls = deadLetters.readRecordsToList();
        assertThat(dls).extracting(TestRecord::key).containsExactly("not a valid id!", "also not valid!");
        assertThat(dls.get(0).value()).isEqualTo(TWO_UTTERANCES);
        assertThat(new String(dls.get(1).value(), StandardCharsets.UTF_8)).isEqualTo("Hello.");
        assertThat(dls.get(0)
                        .headers()
                        .lastHeader(RecordingHeaders.TRANSCRIPT_MODE)
                        .value())
                .as("original headers kept")
                .isEqualTo("none".getBytes(StandardCharsets.UTF_8));
        assertThat(dls)
                .extracting(r -> DeadLetter.fromHeaders(r.headers()).reason())
                .containsOnly(FailureReason.INVALID_KEY);
        assertThat(dls)
                .extracting(r -> DeadLetter.fromHeaders(r.headers()).sourceTopic())
                .containsExactly(Topics.RECORDINGS, Topics.TRANSCRIPTS);
        assertThat(audio.isEmpty()).isTrue();
        assertThat(status.isEmpty()).as("no recording id, no status").isTrue();
    }

    @Test
    void aRecordingGoneFromItsTopicFailsAndItsTranscriptIsDeadLettered() {
        start();
        sendRecording("r6", TWO_UTTERANCES);
        status.readValuesToList();
        piped.clear(); // retention removed it while it waited

        sendTranscript("r6", "Too late.");
        assertThat(audio.isEmpty()).isTrue();
        assertThat(status.readValuesToList()).singleElement().satisfies(st -> {
            assertThat(st.state()).isEqualTo(RecordingStatus.State.FAILED);
            assertThat(st.reason()).isEqualTo(FailureReason.AUDIO_EMPTY);
        });
        TestRecord<String, byte[]> dl = deadLetters.readRecord();
        assertThat(DeadLetter.fromHeaders(dl.headers()).reason()).isEqualTo(FailureReason.TRANSCRIPT_WITHOUT_RECORDING);
        assertThat(new String(dl.value(), StandardCharsets.UTF_8)).isEqualTo("Too late.");
    }

    // ---- restart -----------------------------------------------------------------------------------------------

    /**
     * The deadline indexes are rebuilt from the stores when a task initialises: a recording that waited before a
     * restart is still released when its wait ends after it, and a kept transcript still expires.
     * TopologyTestDriver deletes its state directory on close, so the "restart" copies the task's state (flushed
     * and checkpointed after every piped record) aside and puts it back for the next driver.
     */
    @Test
    void waitsSurviveARestart() throws IOException {
        start();
        sendRecording("r7", TWO_UTTERANCES);
        sendTranscript("r8", "My recording never comes.");
        Path saved = Files.createTempDirectory("ingest-saved-state");
        copy(stateDir, saved);
        driver.close();
        driver = null;
        copy(saved, stateDir);

        start();
        assertThat(awaitingGauge()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertThat(audio.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("r7#0", "r7#1");
        assertThat(status.readValuesToList())
                .extracting(RecordingStatus::state)
                .containsExactly(RecordingStatus.State.SEGMENTED);
        assertThat(awaitingGauge()).isZero();

        driver.advanceWallClockTime(Duration.ofHours(24));
        assertThat(deadLetters.readRecordsToList()).extracting(TestRecord::key).containsExactly("r8");
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
