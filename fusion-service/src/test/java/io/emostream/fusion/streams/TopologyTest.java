package io.emostream.fusion.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.Topics;
import io.emostream.fusion.Scores;
import io.emostream.fusion.config.FusionSettings;
import io.emostream.guard.PoisonGuard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static io.emostream.fusion.Scores.ANGRY_VOICE;
import static io.emostream.fusion.Scores.NEUTRAL_TEXT;
import static io.emostream.fusion.Scores.p;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The topology as a user sees it: scores in, records on {@code emostream.emotions} (and dead letters) out. Time
 * starts at a fixed instant; defaults: 30 s window, 5 s grace, 2 s idle timeout, 1 s punctuation.
 */
class TopologyTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(35); // window + grace

    private final SdkTracerProvider tracing = SdkTracerProvider.builder().build();
    private TopologyTestDriver driver;
    private SimpleMeterRegistry registry;
    private TestInputTopic<String, byte[]> speech;
    private TestInputTopic<String, byte[]> text;
    private TestOutputTopic<String, FusedEmotion> emotions;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    private void start(FusionSettings settings) {
        start(settings, FusionProcessor.PARSED_WAITING);
    }

    private void start(FusionSettings settings, int parsedWaitingLimit) {
        registry = new SimpleMeterRegistry();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "fusion-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
        driver = new TopologyTestDriver(
                new TopologyProducer(
                                settings,
                                registry,
                                tracing.get(KafkaTracing.SCOPE),
                                PoisonGuard.disabled("fusion-service"))
                        .buildTopology(parsedWaitingLimit),
                props,
                T0);
        speech = driver.createInputTopic(Topics.SCORES_SPEECH, new StringSerializer(), new ByteArraySerializer());
        text = driver.createInputTopic(Topics.SCORES_TEXT, new StringSerializer(), new ByteArraySerializer());
        emotions = driver.createOutputTopic(Topics.EMOTIONS, new StringDeserializer(), EventSerdes.FUSED_EMOTION);
        deadLetters =
                driver.createOutputTopic(Topics.DEADLETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The join mechanics are tested with the FIXED mode, whose numbers are easy to state. */
    private void start() {
        start(FusionSettings.defaults().withMode(FusionMode.FIXED));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
        tracing.close();
    }

    private void send(EmotionScore s, Instant at) {
        byte[] json = EventSerdes.EMOTION_SCORE.serialize(null, s);
        (s.modality() == Modality.SPEECH ? speech : text).pipeInput(s.utteranceId(), json, at);
    }

    private void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void speechThenTextYieldsOneFusedResult() {
        start();
        EmotionScore s = Scores.speech("rec-a#0", p(0.1, 0.6, 0.1, 0.1, 0.05, 0.03, 0.02));
        EmotionScore t = Scores.text("rec-a#0", "That is wonderful news", p(0.2, 0.7, 0.02, 0.02, 0.02, 0.02, 0.02));

        send(s, T0);
        assertThat(emotions.isEmpty()).as("the speech score waits for its text").isTrue();
        send(t, T0.plusMillis(400));

        TestRecord<String, FusedEmotion> out = emotions.readRecord();
        assertThat(out.key()).isEqualTo("rec-a#0");
        assertThat(out.getRecordTime()).as("the later input's time").isEqualTo(T0.plusMillis(400));
        FusedEmotion f = out.value();
        assertThat(f.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(f.mode()).isEqualTo(FusionMode.FIXED);
        assertThat(f.speech()).isEqualTo(s);
        assertThat(f.text()).isEqualTo(t);
        assertThat(f.transcript()).isEqualTo("That is wonderful news");
        assertThat(f.speechWeight()).isCloseTo(0.375, within(1e-12));
        assertThat(f.textWeight()).isCloseTo(0.625, within(1e-12));
        assertThat(f.label()).isEqualTo(Emotion.HAPPY);
        assertThat(f.confidence()).isCloseTo((0.6 * 0.6 + 0.7) / 1.6, within(1e-12));
        assertThat(f.correction()).isFalse();
        assertThat(f.eventTime()).isEqualTo(Scores.INGESTED);
        assertThat(f.fusedAt()).as("processing time, from the wall clock").isEqualTo(T0);
        assertThat(emotions.isEmpty()).isTrue();
        assertThat(counter("emostream.fusion.fused", "modalities", "BOTH", "correction", "false"))
                .isEqualTo(1);

        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(emotions.isEmpty()).as("nothing left to expire").isTrue();
    }

    @Test
    void eachResultContinuesTheTraceOfItsUtterance() {
        start();
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        sendTraced(Scores.speech("rec-t#0", ANGRY_VOICE), T0, "00-" + trace + "-00000000000000a1-01");
        sendTraced(
                Scores.text("rec-t#0", "Give it back", NEUTRAL_TEXT),
                T0.plusMillis(200),
                "00-" + trace + "-00000000000000b2-01");
        String joined = traceparent(emotions.readRecord());
        assertThat(joined)
                .startsWith("00-" + trace + "-")
                .doesNotContain("00000000000000a1")
                .doesNotContain("00000000000000b2");

        // a side emitted alone after waiting in the store keeps the trace it arrived with
        String other = "0af7651916cd43dd8448eb211c80319c";
        sendTraced(
                Scores.text("rec-t#1", "Hello", NEUTRAL_TEXT),
                T0.plusSeconds(1),
                "00-" + other + "-00000000000000c3-01");
        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(traceparent(emotions.readRecord())).startsWith("00-" + other + "-");
    }

    @Test
    void storedScoresWrittenBeforeTracingStillRead() {
        byte[] score = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] v1 = java.nio.ByteBuffer.allocate(30 + score.length)
                .put((byte) 1)
                .put((byte) Side.TEXT.ordinal())
                .putLong(5)
                .putLong(4)
                .putInt(3)
                .putLong(2)
                .put(score)
                .array();
        WaitingScore w = WaitingScore.decode(v1);
        assertThat(w.side()).isEqualTo(Side.TEXT);
        assertThat(w.offset()).isEqualTo(2);
        assertThat(w.traceparent()).isNull();
        assertThat(w.score()).isEqualTo(score);
        WaitingScore v2 = new WaitingScore(
                Side.SPEECH, 5, 4, 3, 2, "00-0af7651916cd43dd8448eb211c80319c-00000000000000c3-01", score);
        assertThat(WaitingScore.decode(v2.encode())).usingRecursiveComparison().isEqualTo(v2);
    }

    private void sendTraced(EmotionScore s, Instant at, String traceparent) {
        RecordHeaders h = new RecordHeaders();
        h.add(KafkaTracing.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        (s.modality() == Modality.SPEECH ? speech : text)
                .pipeInput(new TestRecord<>(s.utteranceId(), EventSerdes.EMOTION_SCORE.serialize(null, s), h, at));
    }

    private static String traceparent(TestRecord<String, FusedEmotion> r) {
        return new String(r.headers().lastHeader(KafkaTracing.TRACEPARENT).value(), StandardCharsets.UTF_8);
    }

    @Test
    void textThenSpeechYieldsTheSameResultAsSpeechThenText() {
        start();
        Distribution voice = ANGRY_VOICE;
        Distribution words = p(0.1, 0.02, 0.1, 0.6, 0.08, 0.08, 0.02);

        send(Scores.text("rec-b#1", "Get out of here", words), T0);
        send(Scores.speech("rec-b#1", voice), T0.plusSeconds(3));
        send(Scores.speech("rec-b#2", voice), T0.plusSeconds(4));
        send(Scores.text("rec-b#2", "Get out of here", words), T0.plusSeconds(7));

        List<FusedEmotion> out = emotions.readValuesToList();
        assertThat(out).hasSize(2);
        FusedEmotion textFirst = out.get(0);
        FusedEmotion speechFirst = out.get(1);
        assertThat(textFirst.utteranceId()).isEqualTo("rec-b#1");
        assertThat(speechFirst.utteranceId()).isEqualTo("rec-b#2");
        assertThat(textFirst.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(textFirst.probabilities()).isEqualTo(speechFirst.probabilities());
        assertThat(textFirst.speechWeight()).isEqualTo(speechFirst.speechWeight());
        assertThat(textFirst.label()).isEqualTo(speechFirst.label()).isEqualTo(Emotion.ANGRY);
        assertThat(textFirst.confidence()).isCloseTo((0.6 * 0.85 + 0.6) / 1.6, within(1e-9));
        assertThat(textFirst.speech().model()).isEqualTo(Scores.SER);
        assertThat(textFirst.text().model()).isEqualTo(Scores.TER);
        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(emotions.isEmpty()).isTrue();
    }

    @Test
    void speechOfAnUtteranceWithoutTranscriptIsEmittedAtOnce() {
        start();
        EmotionScore s = Scores.speech("rec-c#4", ANGRY_VOICE, false);

        send(s, T0);

        FusedEmotion f = emotions.readValue();
        assertThat(f.modalities()).isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(f.speech()).isEqualTo(s);
        assertThat(f.text()).isNull();
        assertThat(f.speechWeight()).isEqualTo(1.0);
        assertThat(f.textWeight()).isEqualTo(0.0);
        assertThat(f.label()).isEqualTo(Emotion.ANGRY);
        assertThat(f.correction()).isFalse();
        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(emotions.isEmpty()).isTrue();
    }

    @Test
    void textWhoseSpeechNeverComesIsEmittedAloneAfterWindowAndGraceEvenWhenNothingElseArrives() {
        start();
        EmotionScore t = Scores.text("rec-d#9", "Bye then", NEUTRAL_TEXT);
        send(t, T0);

        advanceWallClock(WAIT.minusSeconds(1));
        assertThat(emotions.isEmpty()).as("still within window + grace").isTrue();
        advanceWallClock(Duration.ofSeconds(2));

        FusedEmotion f = emotions.readValue();
        assertThat(f.modalities()).isEqualTo(Modalities.TEXT_ONLY);
        assertThat(f.text()).isEqualTo(t);
        assertThat(f.speech()).isNull();
        assertThat(f.speechWeight()).isEqualTo(0.0);
        assertThat(f.textWeight()).isEqualTo(1.0);
        assertThat(f.label()).isEqualTo(Emotion.NEUTRAL);
        assertThat(f.fusedAt()).isEqualTo(T0.plus(WAIT).plusSeconds(1));
        assertThat(emotions.isEmpty()).isTrue();
    }

    @Test
    void whileInputFlowsAWaitingScoreExpiresByEventTimeNotByWallClock() {
        start();
        send(Scores.speech("rec-e#0", ANGRY_VOICE), T0);

        // a busy partition whose records lag behind the wall clock (a backlog): 60 s of wall-clock time pass but
        // the records only reach T0 + 20 s, so rec-e#0 must still be waiting
        for (int i = 1; i <= 60; i++) {
            advanceWallClock(Duration.ofSeconds(1));
            send(Scores.speech("rec-x#" + i, ANGRY_VOICE, false), T0.plusMillis(i * 333L));
        }
        assertThat(emotions.readValuesToList())
                .extracting(FusedEmotion::utteranceId)
                .doesNotContain("rec-e#0");

        send(Scores.text("rec-e#0", "I said no", NEUTRAL_TEXT), T0.plusSeconds(21));
        FusedEmotion joined = emotions.readValue();
        assertThat(joined.utteranceId()).isEqualTo("rec-e#0");
        assertThat(joined.modalities()).as("the backlog still joins").isEqualTo(Modalities.BOTH);

        // and a score whose partner never comes expires once event time passes its deadline, idle or not
        send(Scores.speech("rec-f#0", ANGRY_VOICE), T0.plusSeconds(22));
        send(Scores.speech("rec-x#99", ANGRY_VOICE, false), T0.plusSeconds(22).plus(WAIT));
        emotions.readValuesToList();
        advanceWallClock(Duration.ofSeconds(1)); // a punctuation, with input 1 s ago: not idle
        FusedEmotion alone = emotions.readValue();
        assertThat(alone.utteranceId()).isEqualTo("rec-f#0");
        assertThat(alone.modalities()).isEqualTo(Modalities.SPEECH_ONLY);
    }

    @Test
    void aLatePartnerYieldsExactlyOneCorrectionThenNothingMore() {
        start();
        EmotionScore s = Scores.speech("rec-g#2", ANGRY_VOICE);
        EmotionScore t = Scores.text("rec-g#2", "Kids are talking by the door", NEUTRAL_TEXT);

        send(s, T0);
        advanceWallClock(WAIT.plusSeconds(1));
        FusedEmotion alone = emotions.readValue();
        assertThat(alone.modalities()).isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(alone.correction()).isFalse();

        send(t, T0.plusSeconds(50));
        TestRecord<String, FusedEmotion> corrected = emotions.readRecord();
        assertThat(corrected.key())
                .as("same key: a compacted topic keeps only the correction")
                .isEqualTo("rec-g#2");
        assertThat(corrected.value().modalities()).isEqualTo(Modalities.BOTH);
        assertThat(corrected.value().correction()).isTrue();
        assertThat(corrected.value().speech()).isEqualTo(s);
        assertThat(corrected.value().text()).isEqualTo(t);

        send(t, T0.plusSeconds(51));
        send(s, T0.plusSeconds(52));
        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(emotions.isEmpty())
                .as("no second correction, no re-emission")
                .isTrue();
        assertThat(counter("emostream.fusion.fused", "modalities", "BOTH", "correction", "true"))
                .isEqualTo(1);
        assertThat(counter("emostream.fusion.duplicates", "modality", "TEXT")).isEqualTo(1);
        assertThat(counter("emostream.fusion.duplicates", "modality", "SPEECH")).isEqualTo(1);
    }

    @Test
    void duplicatesAreDroppedBeforeAndAfterTheJoin() {
        start();
        EmotionScore s = Scores.speech("rec-h#0", ANGRY_VOICE);
        EmotionScore t = Scores.text("rec-h#0", "Stop it", NEUTRAL_TEXT);

        send(s, T0);
        send(s, T0.plusMillis(10)); // redelivered while waiting
        send(t, T0.plusMillis(20));
        send(t, T0.plusMillis(30)); // redelivered after the join
        send(s, T0.plusMillis(40));
        advanceWallClock(WAIT.multipliedBy(2));

        List<FusedEmotion> out = emotions.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).modalities()).isEqualTo(Modalities.BOTH);
        assertThat(out.get(0).correction()).isFalse();
        assertThat(counter("emostream.fusion.duplicates", "modality", "SPEECH")).isEqualTo(2);
        assertThat(counter("emostream.fusion.duplicates", "modality", "TEXT")).isEqualTo(1);
    }

    /** The same score from another model version, with other probabilities and a later scoredAt. */
    private static EmotionScore rescored(EmotionScore s, String version, Distribution p) {
        return new EmotionScore(
                s.schemaVersion(),
                s.utteranceId(),
                s.recordingId(),
                s.index(),
                s.modality(),
                s.startMs(),
                s.endMs(),
                s.speaker(),
                s.hasTranscript(),
                s.text(),
                new ModelRef(s.model().name(), version),
                p,
                p.label(),
                p.confidence(),
                s.timing(),
                s.ingestedAt(),
                s.scoredAt().plus(Duration.ofDays(3)),
                s.dimensions());
    }

    @Test
    void aNewModelVersionOfOneSidePassesOnceAsACorrectionWhileTheSameVersionStaysADuplicate() {
        start();
        EmotionScore s = Scores.speech("rec-r#0", ANGRY_VOICE);
        EmotionScore t = Scores.text("rec-r#0", "Kids are talking by the door", NEUTRAL_TEXT);
        send(s, T0);
        send(t, T0.plusMillis(10));
        assertThat(emotions.readValue().modalities()).isEqualTo(Modalities.BOTH);

        send(s, T0.plusSeconds(60)); // a redelivery of the same model version
        assertThat(emotions.isEmpty())
                .as("same (utterance, side, model version): dropped")
                .isTrue();

        EmotionScore s2 = rescored(s, "2.0.0", p(0.05, 0.8, 0.05, 0.025, 0.025, 0.025, 0.025));
        send(s2, T0.plusSeconds(61));
        TestRecord<String, FusedEmotion> out = emotions.readRecord();
        assertThat(out.key()).isEqualTo("rec-r#0");
        FusedEmotion f = out.value();
        assertThat(f.correction())
                .as("a re-score supersedes part of the earlier result")
                .isTrue();
        assertThat(f.modalities()).as("it carries only the re-scored modality").isEqualTo(Modalities.SPEECH_ONLY);
        assertThat(f.speech()).isEqualTo(s2);
        assertThat(f.text()).isNull();
        assertThat(f.label()).isEqualTo(Emotion.HAPPY);

        send(s2, T0.plusSeconds(62)); // the new version redelivered
        send(t, T0.plusSeconds(63)); // the text side, unchanged model
        advanceWallClock(WAIT.multipliedBy(2));
        assertThat(emotions.isEmpty()).as("exactly once per model version").isTrue();
        assertThat(counter("emostream.fusion.rescored", "modality", "SPEECH")).isEqualTo(1);
        assertThat(counter("emostream.fusion.duplicates", "modality", "SPEECH")).isEqualTo(2);
        assertThat(counter("emostream.fusion.duplicates", "modality", "TEXT")).isEqualTo(1);
    }

    @Test
    void aLatePartnerOfAReScoredSingleResultIsFusedWithTheNewestScore() {
        start();
        EmotionScore s = Scores.speech("rec-r#1", ANGRY_VOICE);
        send(s, T0);
        advanceWallClock(WAIT.plusSeconds(1));
        assertThat(emotions.readValue().modalities()).isEqualTo(Modalities.SPEECH_ONLY);

        EmotionScore s2 = rescored(s, "2.0.0", p(0.05, 0.8, 0.05, 0.025, 0.025, 0.025, 0.025));
        send(s2, T0.plusSeconds(40));
        FusedEmotion re = emotions.readValue();
        assertThat(re.correction()).isTrue();
        assertThat(re.speech()).isEqualTo(s2);

        EmotionScore t = Scores.text("rec-r#1", "Kids are talking by the door", NEUTRAL_TEXT);
        send(t, T0.plusSeconds(41));
        FusedEmotion both = emotions.readValue();
        assertThat(both.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(both.speech()).isEqualTo(s2);
        assertThat(emotions.isEmpty()).isTrue();
    }

    @Test
    void aNewModelVersionArrivingWhileItsSideWaitsReplacesTheWaitingScore() {
        start();
        EmotionScore s = Scores.speech("rec-r#2", ANGRY_VOICE);
        EmotionScore s2 = rescored(s, "2.0.0", p(0.05, 0.8, 0.05, 0.025, 0.025, 0.025, 0.025));
        send(s, T0);
        send(s2, T0.plusMillis(10));
        send(Scores.text("rec-r#2", "Kids are talking by the door", NEUTRAL_TEXT), T0.plusMillis(20));
        List<FusedEmotion> out = emotions.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).speech()).isEqualTo(s2);
        assertThat(out.get(0).correction()).isFalse();
    }

    @Test
    void aRepeatedSpeechOnlyUtteranceIsNotEmittedTwice() {
        start();
        EmotionScore s = Scores.speech("rec-i#0", ANGRY_VOICE, false);

        send(s, T0);
        send(s, T0.plusSeconds(1));

        assertThat(emotions.readValuesToList()).hasSize(1);
    }

    @Test
    void otherModelsLabelsAreMappedBeforeFusing() {
        start();
        EmotionScore t = Scores.text("rec-j#0", "I am so happy for you", p(0.1, 0.8, 0.02, 0.02, 0.02, 0.02, 0.02));
        String json = new String(
                        EventSerdes.EMOTION_SCORE.serialize(null, Scores.speech("rec-j#0", ANGRY_VOICE)),
                        StandardCharsets.UTF_8)
                .replaceFirst(
                        "\"probabilities\":\\{[^}]*}", "\"probabilities\":{\"joy\":0.7,\"excited\":0.1,\"calm\":0.2}")
                .replace("\"angry\"", "\"joy\"");

        speech.pipeInput("rec-j#0", json.getBytes(StandardCharsets.UTF_8), T0);
        send(t, T0.plusMillis(5));

        FusedEmotion f = emotions.readValue();
        assertThat(f.modalities()).isEqualTo(Modalities.BOTH);
        assertThat(f.speech().probabilities().get(Emotion.HAPPY)).isCloseTo(0.8, within(1e-12));
        assertThat(f.speech().probabilities().get(Emotion.NEUTRAL)).isCloseTo(0.2, within(1e-12));
        assertThat(f.probabilities().get(Emotion.HAPPY)).isCloseTo((0.6 * 0.8 + 0.8) / 1.6, within(1e-9));
        assertThat(f.label()).isEqualTo(Emotion.HAPPY);
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counter("emostream.fusion.labels.remapped", "modality", "SPEECH"))
                .isEqualTo(1);
    }

    @Test
    void unusableRecordsGoToTheDeadLetterTopicAndTheStreamContinues() {
        start();
        byte[] unknownLabel = new String(
                        EventSerdes.EMOTION_SCORE.serialize(null, Scores.speech("rec-k#0", ANGRY_VOICE)),
                        StandardCharsets.UTF_8)
                .replaceFirst("\"probabilities\":\\{[^}]*}", "\"probabilities\":{\"angry\":0.5,\"banana\":0.5}")
                .getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));

        speech.pipeInput(new TestRecord<>("rec-k#0", unknownLabel, headers, T0));
        text.pipeInput("rec-k#1", "{not json".getBytes(StandardCharsets.UTF_8), T0);
        speech.pipeInput(
                "bad key", EventSerdes.EMOTION_SCORE.serialize(null, Scores.speech("rec-k#2", ANGRY_VOICE)), T0);
        text.pipeInput("rec-k#3", EventSerdes.EMOTION_SCORE.serialize(null, Scores.speech("rec-k#3", ANGRY_VOICE)), T0);
        // the stream carries on: a good pair right after is fused
        send(Scores.speech("rec-k#4", ANGRY_VOICE), T0.plusMillis(1));
        send(Scores.text("rec-k#4", "Move", NEUTRAL_TEXT), T0.plusMillis(2));

        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(4);
        TestRecord<byte[], byte[]> first = dead.get(0);
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("rec-k#0");
        assertThat(first.value()).as("original bytes, untouched").isEqualTo(unknownLabel);
        assertThat(first.headers().lastHeader("trace-id").value()).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
        DeadLetter dl = DeadLetter.fromHeaders(first.headers());
        assertThat(dl.reason()).isEqualTo(FailureReason.MALFORMED_EVENT);
        assertThat(dl.detail()).contains("banana");
        assertThat(dl.sourceTopic()).isEqualTo(Topics.SCORES_SPEECH);
        assertThat(dl.sourceOffset()).isEqualTo(0);
        assertThat(dl.service()).isEqualTo("fusion-service");
        assertThat(dead)
                .extracting(r -> DeadLetter.fromHeaders(r.headers()).reason())
                .containsExactly(
                        FailureReason.MALFORMED_EVENT,
                        FailureReason.MALFORMED_EVENT,
                        FailureReason.INVALID_KEY,
                        FailureReason.MALFORMED_EVENT);
        assertThat(DeadLetter.fromHeaders(dead.get(1).headers()).sourceTopic()).isEqualTo(Topics.SCORES_TEXT);

        List<FusedEmotion> out = emotions.readValuesToList();
        assertThat(out).extracting(FusedEmotion::utteranceId).containsExactly("rec-k#4");
        assertThat(counter("emostream.fusion.deadletters", "topic", Topics.SCORES_SPEECH, "reason", "MALFORMED_EVENT"))
                .isEqualTo(1);
    }

    @Test
    void confidenceAndGatedModesKeepTheAngryVoiceAngryWhereFixedModeTurnsItNeutral() {
        for (FusionMode mode : FusionMode.values()) {
            start(FusionSettings.defaults().withMode(mode));
            send(Scores.speech("rec-l#0", ANGRY_VOICE), T0);
            send(Scores.text("rec-l#0", "Kids are talking by the door", NEUTRAL_TEXT), T0.plusMillis(100));

            FusedEmotion f = emotions.readValue();
            assertThat(f.mode()).isEqualTo(mode);
            assertThat(f.label()).as(mode.name()).isEqualTo(mode == FusionMode.FIXED ? Emotion.NEUTRAL : Emotion.ANGRY);
            assertThat(f.speechWeight() + f.textWeight()).isCloseTo(1.0, within(1e-12));
            driver.close();
            driver = null;
        }
    }

    @Test
    void waitingScoresNoLongerHeldParsedInMemoryAreReadBackFromTheStore() {
        start(FusionSettings.defaults(), 1);
        for (int i = 0; i < 3; i++) {
            send(Scores.text("rec-n#" + i, "words " + i, NEUTRAL_TEXT), T0.plusMillis(i));
        }
        for (int i = 0; i < 2; i++) {
            send(Scores.speech("rec-n#" + i, ANGRY_VOICE), T0.plusMillis(10 + i));
        }
        advanceWallClock(WAIT.plusSeconds(1)); // rec-n#2 expires alone

        List<FusedEmotion> out = emotions.readValuesToList();
        assertThat(out).extracting(FusedEmotion::utteranceId).containsExactly("rec-n#0", "rec-n#1", "rec-n#2");
        assertThat(out)
                .extracting(FusedEmotion::modalities)
                .containsExactly(Modalities.BOTH, Modalities.BOTH, Modalities.TEXT_ONLY);
        assertThat(out).extracting(f -> f.text().text()).containsExactly("words 0", "words 1", "words 2");
    }

    @Test
    void anEmittedUtteranceIsRememberedForTheRetentionThenForgotten() {
        FusionSettings d = FusionSettings.defaults();
        start(new FusionSettings(
                d.mode(),
                0.6,
                1.0,
                d.window(),
                d.grace(),
                d.idleTimeout(),
                d.punctuationInterval(),
                Duration.ofMinutes(2)));
        EmotionScore s = Scores.speech("rec-m#0", ANGRY_VOICE, false);

        advanceWallClock(Duration.ofSeconds(59)); // emitted late in a time bucket: the worst case
        send(s, T0);
        advanceWallClock(Duration.ofSeconds(119));
        send(s, T0.plusSeconds(119));
        assertThat(emotions.readValuesToList())
                .as("remembered for the whole retention")
                .hasSize(1);

        // the emitted store is bounded: long after the retention the utterance is forgotten
        for (int i = 0; i < 6; i++) {
            advanceWallClock(Duration.ofMinutes(2));
            send(Scores.speech("rec-y#" + i, ANGRY_VOICE, false), T0.plusSeconds(200 + i * 120L));
        }
        emotions.readValuesToList();
        send(s, T0.plusSeconds(1000));
        assertThat(emotions.readValuesToList())
                .extracting(FusedEmotion::utteranceId)
                .containsExactly("rec-m#0");
    }
}
