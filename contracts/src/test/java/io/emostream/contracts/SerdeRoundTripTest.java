package io.emostream.contracts;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SerdeRoundTripTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:15:30.123Z");

    private static <T extends Versioned> T roundTrip(JsonSerde<T> serde, T value) {
        byte[] bytes = serde.serialize("t", value);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"schemaVersion\":" + value.schemaVersion());
        return serde.deserialize("t", bytes);
    }

    private static EmotionScore speechScore() {
        UtteranceAudio u = new UtteranceAudio("rec-1", 3, 1200, 4800, "agent", 0, true, "en", T0);
        return EmotionScore.forSpeech(
                u,
                new ModelRef("ser-crnn", "1.0.0"),
                Distribution.of(0.1, 0.2, 0.05, 0.5, 0.05, 0.05, 0.05),
                new InferenceTiming(1.5, 7.25, 8, 1),
                T0.plusMillis(40));
    }

    private static EmotionScore textScore() {
        UtteranceText u = new UtteranceText("rec-1", 3, 1200, 4800, "agent", "en", "I am furious!", T0);
        return EmotionScore.forText(
                u,
                new ModelRef("ter-minilm-cnn", "1.0.0"),
                Distribution.of(0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05),
                new InferenceTiming(0.5, 4, 1, 1),
                T0.plusMillis(30));
    }

    @Test
    void transcriptUntimedAndTimed() {
        Transcript untimed = Transcript.untimed("rec-1", "en", "Kids are talking by the door");
        assertThat(roundTrip(EventSerdes.TRANSCRIPT, untimed)).isEqualTo(untimed);
        Transcript timed = Transcript.timed(
                "rec-1",
                "en",
                List.of(
                        new Transcript.Segment(0.5, 2.25, "agent", "Hello, how can I help?"),
                        new Transcript.Segment(2.5, 4.0, null, "My order never came.")));
        Transcript back = roundTrip(EventSerdes.TRANSCRIPT, timed);
        assertThat(back).isEqualTo(timed);
        assertThat(back.isTimed()).isTrue();
    }

    @Test
    void utteranceText() {
        UtteranceText u = new UtteranceText("rec-1", 0, 0, 1500, null, "en", "Dogs are sitting by the door", T0);
        UtteranceText back = roundTrip(EventSerdes.UTTERANCE_TEXT, u);
        assertThat(back).isEqualTo(u);
        assertThat(back.utteranceId()).isEqualTo("rec-1#0");
        assertThat(back.context()).isEmpty();
        assertThat(new String(EventSerdes.UTTERANCE_TEXT.serialize("t", u), StandardCharsets.UTF_8))
                .doesNotContain("context");
    }

    @Test
    void utteranceTextCarriesItsPreviousTurns() {
        UtteranceText u = new UtteranceText(
                "rec-1",
                2,
                3000,
                4500,
                "B",
                "en",
                "Really?",
                T0,
                List.of(new UtteranceText.Turn("A", "I got the job!"), new UtteranceText.Turn(null, "Wow.")));
        UtteranceText back = roundTrip(EventSerdes.UTTERANCE_TEXT, u);
        assertThat(back).isEqualTo(u);
        assertThat(back.schemaVersion()).isEqualTo(2);
        assertThat(back.context()).extracting(UtteranceText.Turn::text).containsExactly("I got the job!", "Wow.");
    }

    @Test
    void textScoreCarriesOptionalDimensions() {
        UtteranceText u = new UtteranceText("rec-1", 3, 1200, 4800, "agent", "en", "I am furious!", T0);
        EmotionScore s = EmotionScore.forText(
                u,
                new ModelRef("ter", "2.0.0"),
                Distribution.of(0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05),
                new InferenceTiming(0.5, 4, 1, 1),
                T0.plusMillis(30),
                java.util.Map.of("valence", 1.8, "arousal", 4.1, "dominance", 3.3));
        EmotionScore back = roundTrip(EventSerdes.EMOTION_SCORE, s);
        assertThat(back).isEqualTo(s);
        assertThat(back.dimensions()).containsEntry("valence", 1.8).hasSize(3);
        assertThat(new String(EventSerdes.EMOTION_SCORE.serialize("t", textScore()), StandardCharsets.UTF_8))
                .doesNotContain("dimensions");
        assertThat(roundTrip(EventSerdes.EMOTION_SCORE, textScore()).dimensions())
                .isNull();
    }

    @Test
    void utteranceTextVersion1IsStillReadWithAnEmptyContext() {
        byte[] v1 = ("{\"schemaVersion\":1,\"utteranceId\":\"r#0\",\"recordingId\":\"r\",\"index\":0,"
                        + "\"startMs\":0,\"endMs\":900,\"text\":\"hi\",\"ingestedAt\":\"2025-03-01T10:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
        UtteranceText u = EventSerdes.UTTERANCE_TEXT.deserialize("t", v1);
        assertThat(u.schemaVersion()).isEqualTo(1);
        assertThat(u.text()).isEqualTo("hi");
        assertThat(u.context()).isEmpty();
    }

    @Test
    void utteranceAudioThroughHeaders() {
        UtteranceAudio meta = new UtteranceAudio("rec-9", 12, 30_000, 33_500, "customer", 1, false, null, T0);
        float[] samples = {0f, 0.5f, -0.5f, 0.999f, -1f, 0.25f};
        ProducerRecord<String, byte[]> record = AudioRecords.record(meta, PcmAudio.encode(samples));
        assertThat(record.topic()).isEqualTo(Topics.UTTERANCES_AUDIO);
        assertThat(record.key()).isEqualTo("rec-9#12");
        assertThat(AudioRecords.meta(record.headers())).isEqualTo(meta);
        float[] back = PcmAudio.decode(record.value());
        assertThat(back).hasSize(samples.length);
        for (int i = 0; i < samples.length; i++) {
            assertThat(back[i]).isCloseTo(samples[i], org.assertj.core.data.Offset.offset(1f / 32768));
        }
    }

    @Test
    void audioRecordWithoutMetaIsMalformed() {
        assertThatThrownBy(() -> AudioRecords.meta(new RecordHeaders()))
                .isInstanceOf(JsonSerde.MalformedEventException.class)
                .extracting(e -> ((JsonSerde.MalformedEventException) e).reason())
                .isEqualTo(FailureReason.MALFORMED_EVENT);
    }

    @Test
    void emotionScores() {
        EmotionScore s = speechScore();
        EmotionScore back = roundTrip(EventSerdes.EMOTION_SCORE, s);
        assertThat(back).isEqualTo(s);
        assertThat(back.label()).isEqualTo(Emotion.ANGRY);
        assertThat(back.model().version()).isEqualTo("1.0.0");
        assertThat(roundTrip(EventSerdes.EMOTION_SCORE, textScore())).isEqualTo(textScore());
    }

    @Test
    void fusedEmotion() {
        Distribution p = Distribution.of(0.1, 0.1, 0.1, 0.6, 0.05, 0.03, 0.02);
        FusedEmotion f = new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                "rec-1#3",
                "rec-1",
                3,
                1200,
                4800,
                "agent",
                "I am furious!",
                Modalities.BOTH,
                FusionMode.FIXED,
                0.6,
                1.0,
                speechScore(),
                textScore(),
                p,
                p.label(),
                p.confidence(),
                false,
                T0,
                T0.plusMillis(90));
        assertThat(roundTrip(EventSerdes.FUSED_EMOTION, f)).isEqualTo(f);

        FusedEmotion speechOnly = new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                "rec-1#4",
                "rec-1",
                4,
                0,
                10,
                null,
                null,
                Modalities.SPEECH_ONLY,
                FusionMode.FIXED,
                1.0,
                0.0,
                speechScore(),
                null,
                p,
                p.label(),
                p.confidence(),
                true,
                T0,
                T0);
        String json = new String(EventSerdes.FUSED_EMOTION.serialize("t", speechOnly), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"text\":").contains("\"modalities\":\"SPEECH_ONLY\"");
        assertThat(roundTrip(EventSerdes.FUSED_EMOTION, speechOnly)).isEqualTo(speechOnly);
    }

    @Test
    void recordingStatus() {
        RecordingStatus s = new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                "rec-1",
                RecordingStatus.State.SEGMENTED,
                2,
                4200L,
                true,
                null,
                null,
                T0,
                "d1");
        assertThat(roundTrip(EventSerdes.RECORDING_STATUS, s)).isEqualTo(s);
        assertThat(s.utteranceIds()).containsExactly("rec-1#0", "rec-1#1");
        assertThat(new String(EventSerdes.RECORDING_STATUS.serialize("t", s), StandardCharsets.UTF_8))
                .contains("\"utteranceCount\":2")
                .doesNotContain("utteranceIds");
        RecordingStatus failed = new RecordingStatus(
                RecordingStatus.SCHEMA_VERSION,
                "rec-2",
                RecordingStatus.State.FAILED,
                null,
                null,
                null,
                FailureReason.AUDIO_CORRUPT,
                "truncated",
                T0,
                null);
        assertThat(roundTrip(EventSerdes.RECORDING_STATUS, failed)).isEqualTo(failed);
        assertThat(failed.utteranceIds()).isEmpty();
        // statuses written before counts listed the ids
        RecordingStatus legacy = EventSerdes.RECORDING_STATUS.deserialize(
                "t",
                ("{\"schemaVersion\":1,\"recordingId\":"
                                + "\"rec-3\",\"state\":\"SEGMENTED\",\"utteranceIds\":[\"rec-3#0\",\"rec-3#1\",\"rec-3#2\"]}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(legacy.utteranceCount()).isEqualTo(3);
    }

    @Test
    void oversizeDeadLetterGoesByReference() {
        RecordHeaders original = new RecordHeaders();
        original.add(RecordingHeaders.LANGUAGE, "en".getBytes(StandardCharsets.UTF_8));
        original.add(RecordingHeaders.TRANSCRIPT, new byte[5000]);
        DeadLetter dl =
                new DeadLetter(FailureReason.AUDIO_TOO_LARGE, "too big", Topics.RECORDINGS, 2, 77L, "ingest", T0);
        ProducerRecord<byte[], byte[]> r =
                dl.toRecord("rec-1".getBytes(StandardCharsets.UTF_8), new byte[20_000], original, 10_000);
        assertThat(r.value()).isNull();
        assertThat(DeadLetter.isByReference(r.headers())).isTrue();
        assertThat(new String(r.headers().lastHeader(DeadLetter.OMITTED).value(), StandardCharsets.UTF_8))
                .isEqualTo("value=20000,header:transcript=5000");
        assertThat(r.headers().lastHeader(RecordingHeaders.LANGUAGE)).isNotNull();
        assertThat(r.headers().lastHeader(RecordingHeaders.TRANSCRIPT)).isNull();
        assertThat(DeadLetter.fromHeaders(r.headers())).isEqualTo(dl); // where the original is
        // under the limit: whole, as always
        ProducerRecord<byte[], byte[]> small = dl.toRecord(null, new byte[100], original, 10_000);
        assertThat(small.value()).hasSize(100);
        assertThat(DeadLetter.isByReference(small.headers())).isFalse();
    }

    @Test
    void apiKeys() {
        ApiKeys keys = ApiKeys.of(List.of(" k1 ", "", "k2"));
        assertThat(keys.isEmpty()).isFalse();
        assertThat(keys.refusal("k1")).isEmpty();
        assertThat(keys.refusal("k2 ")).isEmpty();
        assertThat(keys.refusal("k3")).contains("the API key is not valid");
        assertThat(keys.refusal(null)).contains("send an API key in the X-API-Key header");
        assertThat(ApiKeys.of(List.of()).refusal("k1")).isPresent();
        assertThat(ApiKeys.callerOf("k1"))
                .hasSize(32)
                .isEqualTo(ApiKeys.callerOf("k1"))
                .isNotEqualTo(ApiKeys.callerOf("k2"));
        assertThat(ApiKeys.unauthorizedBody("no key", "/x"))
                .isEqualTo("{\"type\":\"urn:emostream:problem:unauthorized\","
                        + "\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"no key\",\"instance\":\"/x\"}");
    }

    @Test
    void deadLetterKeepsOriginalBytesAndHeaders() {
        RecordHeaders original = new RecordHeaders();
        original.add(RecordingHeaders.CONTENT_TYPE, "audio/mpeg".getBytes(StandardCharsets.UTF_8));
        byte[] value = {0, 1, 2, (byte) 0xff};
        DeadLetter dl = new DeadLetter(
                FailureReason.AUDIO_UNREADABLE, "not an audio container", Topics.RECORDINGS, 4, 1234L, "ingest", T0);
        ProducerRecord<byte[], byte[]> r = dl.toRecord("rec-1".getBytes(StandardCharsets.UTF_8), value, original);
        assertThat(r.topic()).isEqualTo(Topics.DEADLETTER);
        assertThat(r.value()).isEqualTo(value);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("rec-1");
        assertThat(r.headers().lastHeader(RecordingHeaders.CONTENT_TYPE).value())
                .isEqualTo("audio/mpeg".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetter.fromHeaders(r.headers())).isEqualTo(dl);

        // a dead letter of a dead letter replaces the dlq headers instead of stacking them
        DeadLetter again = new DeadLetter(FailureReason.MALFORMED_EVENT, "x", Topics.DEADLETTER, 0, 1L, "ops", T0);
        ProducerRecord<byte[], byte[]> r2 = again.toRecord(r.key(), r.value(), r.headers());
        assertThat(r2.headers().headers(DeadLetter.REASON)).hasSize(1);
        assertThat(DeadLetter.fromHeaders(r2.headers())).isEqualTo(again);
    }

    @Test
    void malformedJsonIsReportedAsMalformedEvent() {
        assertThatThrownBy(
                        () -> EventSerdes.UTTERANCE_TEXT.deserialize("t", "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        JsonSerde.MalformedEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED_EVENT));
    }

    @Test
    void malformedValuesFailWithTheMappersMessage() {
        // reason and message as when JsonSerde read with Json.MAPPER.readValue per call (fusion dead-letters these)
        String future = new String(EventSerdes.EMOTION_SCORE.serialize("t", speechScore()), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":" + EmotionScore.SCHEMA_VERSION, "\"schemaVersion\":9");
        assertThatThrownBy(() -> EventSerdes.EMOTION_SCORE.deserialize("t", future.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        JsonSerde.MalformedEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.UNSUPPORTED_SCHEMA_VERSION))
                .hasMessage("EmotionScore schemaVersion 9 is not supported (1.." + EmotionScore.SCHEMA_VERSION + ")");
        for (String bad : List.of(
                "{",
                "[1,2]",
                "{\"scoredAt\":\"x\"}",
                "{\"schemaVersion\":9}", // incomplete: the record rejects it before its version is checked
                "{\"schemaVersion\":9,\"utteranceId\":\"a#0\"}",
                future.replace("\"scoredAt\":\"", "\"scoredAt\":\"x"))) {
            byte[] b = bad.getBytes(StandardCharsets.UTF_8);
            String cause;
            try {
                Json.MAPPER.readValue(b, EmotionScore.class);
                throw new AssertionError(bad + " was read");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                cause = e.getOriginalMessage();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            assertThatThrownBy(() -> EventSerdes.EMOTION_SCORE.deserialize("t", b))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            JsonSerde.MalformedEventException.class,
                            e -> assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED_EVENT))
                    .hasMessage("not a valid EmotionScore: " + cause);
        }
    }

    @Test
    void theJsonTextNullIsMalformedForEveryEvent() {
        // a record whose value is the four bytes "null" must reach the dead-letter path, not escape as an NPE
        for (JsonSerde<?> serde : List.of(
                EventSerdes.TRANSCRIPT,
                EventSerdes.UTTERANCE_AUDIO,
                EventSerdes.SPEAKER_GROUP_END,
                EventSerdes.UTTERANCE_TEXT,
                EventSerdes.EMOTION_SCORE,
                EventSerdes.FUSED_EMOTION,
                EventSerdes.RECORDING_STATUS)) {
            for (String bad : List.of("null", " null\n")) {
                assertThatThrownBy(() -> serde.deserialize("t", bad.getBytes(StandardCharsets.UTF_8)))
                        .as(serde.type().getSimpleName())
                        .isInstanceOfSatisfying(
                                JsonSerde.MalformedEventException.class,
                                e -> assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED_EVENT))
                        .hasMessage("not a valid " + serde.type().getSimpleName() + ": the JSON value null");
            }
        }
    }

    @Test
    void newerSchemaVersionIsRejected() {
        byte[] v2 = "{\"schemaVersion\":2,\"recordingId\":\"r\",\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> EventSerdes.TRANSCRIPT.deserialize("t", v2))
                .isInstanceOfSatisfying(
                        JsonSerde.MalformedEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.UNSUPPORTED_SCHEMA_VERSION));
    }

    @Test
    void unknownFieldsAreIgnoredForAdditiveEvolution() {
        byte[] json = "{\"schemaVersion\":1,\"recordingId\":\"r\",\"text\":\"hi\",\"futureField\":42}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(EventSerdes.TRANSCRIPT.deserialize("t", json).text()).isEqualTo("hi");
    }

    @Test
    void nullAndEmptyAreTombstones() {
        assertThat(EventSerdes.FUSED_EMOTION.deserialize("t", null)).isNull();
        assertThat(EventSerdes.FUSED_EMOTION.deserialize("t", new byte[0])).isNull();
        assertThat(EventSerdes.FUSED_EMOTION.serialize("t", null)).isNull();
    }
}
