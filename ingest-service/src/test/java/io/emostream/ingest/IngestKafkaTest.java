package io.emostream.ingest;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.ingest.AudioFixtures.Format;
import io.emostream.testsupport.KafkaResource;
import io.emostream.testsupport.TestKafka;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

import static io.emostream.ingest.IngestRecords.audio;
import static io.emostream.ingest.IngestRecords.groupEnds;
import static io.emostream.ingest.IngestRecords.meta;
import static io.emostream.ingest.IngestRecords.status;
import static io.emostream.ingest.IngestRecords.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class IngestKafkaTest {

    @jakarta.inject.Inject
    org.apache.kafka.streams.StreamsConfig streamsConfig;

    /** 0.5 s silence, 1.5 s speech, 0.8 s silence, 2 s speech, 0.5 s silence: two utterances. */
    private static byte[] twoUtterances(Format format) {
        int rate = format == Format.OGG_OPUS ? 48_000 : 44_100;
        float[] x = AudioFixtures.pattern(rate, 0.5, 1.5, 0.8, 2.0, 0.5);
        return AudioFixtures.encode(format, rate, x, x);
    }

    private static String newId(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void sendRecording(String id, byte[] audio, String... headers) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.RECORDINGS, id, audio);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        TestKafka.send(r);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void everyFormatBecomesUtterancesOf16kHzPcm(Format format) {
        String id = newId("fmt-" + format.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        sendRecording(
                id,
                twoUtterances(format),
                RecordingHeaders.CONTENT_TYPE,
                format.contentType,
                RecordingHeaders.TRANSCRIPT_MODE,
                "none",
                RecordingHeaders.LANGUAGE,
                "en");

        List<ConsumerRecord<String, byte[]>> utterances = audio(id, 2);
        assertThat(utterances).extracting(ConsumerRecord::key).containsExactly(id + "#0", id + "#1");
        UtteranceAudio first = meta(utterances.get(0));
        assertThat(first.sampleRate()).isEqualTo(16_000);
        assertThat(first.encoding()).isEqualTo(PcmAudio.ENCODING);
        assertThat(first.hasTranscript()).isFalse();
        assertThat(first.language()).isEqualTo("en");
        assertThat(first.startMs()).isCloseTo(300L, within(80L));
        assertThat(meta(utterances.get(1)).endMs()).isCloseTo(5000L, within(120L));
        for (ConsumerRecord<String, byte[]> r : utterances) {
            UtteranceAudio m = meta(r);
            assertThat(r.value().length / 2 / 16).isCloseTo((int) (m.endMs() - m.startMs()), within(1));
        }
        RecordingStatus s = status(id, RecordingStatus.State.SEGMENTED);
        assertThat(s.utteranceCount()).isEqualTo(2);
        assertThat(s.hasTranscript()).isFalse();
        assertThat(s.durationMs()).isCloseTo(5300L, within(120L));
    }

    @Test
    void inlineTimedTranscriptCutsByItsSegments() {
        String id = newId("inline");
        String transcript = new String(
                EventSerdes.TRANSCRIPT.serialize(
                        Topics.TRANSCRIPTS,
                        Transcript.timed(
                                id,
                                "en",
                                List.of(
                                        new Transcript.Segment(0.4, 2.1, "agent", "How can I help you?"),
                                        new Transcript.Segment(2.7, 4.9, "customer", "I want my money back!")))),
                StandardCharsets.UTF_8);
        sendRecording(id, twoUtterances(Format.FLAC), RecordingHeaders.TRANSCRIPT, transcript);

        List<UtteranceText> texts = text(id, 2);
        assertThat(texts)
                .extracting(UtteranceText::text)
                .containsExactly("How can I help you?", "I want my money back!");
        assertThat(texts).extracting(UtteranceText::speaker).containsExactly("agent", "customer");
        // each text utterance carries the previous segments of its recording (dialogue context for the TER)
        assertThat(texts).extracting(UtteranceText::schemaVersion).containsOnly(UtteranceText.SCHEMA_VERSION);
        assertThat(texts.get(0).context()).isEmpty();
        assertThat(texts.get(1).context()).containsExactly(new UtteranceText.Turn("agent", "How can I help you?"));
        List<ConsumerRecord<String, byte[]>> a = audio(id, 2);
        assertThat(meta(a.get(0)).hasTranscript()).isTrue();
        assertThat(meta(a.get(0)).startMs()).isEqualTo(400);
        assertThat(meta(a.get(1)).endMs()).isEqualTo(4900);
    }

    @Test
    void transcriptBeforeItsRecordingIsKeptAndUsed() {
        String id = newId("vtt-first");
        String vtt = """
                WEBVTT

                00:00:00.400 --> 00:00:02.100
                <v Agent>Good morning.

                00:00:02.700 --> 00:00:04.900
                <v Customer>This is unacceptable!
                """;
        ProducerRecord<String, byte[]> t =
                new ProducerRecord<>(Topics.TRANSCRIPTS, id, vtt.getBytes(StandardCharsets.UTF_8));
        t.headers().add(RecordingHeaders.CONTENT_TYPE, "text/vtt".getBytes(StandardCharsets.UTF_8));
        TestKafka.send(t);
        sendRecording(id, twoUtterances(Format.WAV));

        assertThat(text(id, 2)).extracting(UtteranceText::speaker).containsExactly("Agent", "Customer");
        assertThat(status(id, RecordingStatus.State.SEGMENTED).hasTranscript()).isTrue();
    }

    @Test
    void recordingWaitsForATranscriptThatComesLater() {
        String id = newId("waits");
        sendRecording(id, twoUtterances(Format.MP3));
        status(id, RecordingStatus.State.AWAITING_TRANSCRIPT);
        TestKafka.send(Topics.TRANSCRIPTS, id, "Kids are talking by the door".getBytes(StandardCharsets.UTF_8));

        List<UtteranceText> texts = text(id, 1);
        assertThat(texts.get(0).text()).isEqualTo("Kids are talking by the door");
        assertThat(texts.get(0).startMs()).isZero();
        assertThat(meta(audio(id, 1).get(0)).hasTranscript()).isTrue();
    }

    @Test
    void withoutTranscriptTheWaitEndsSpeechOnly() {
        String id = newId("no-transcript");
        sendRecording(id, twoUtterances(Format.OGG_VORBIS));
        status(id, RecordingStatus.State.AWAITING_TRANSCRIPT);
        // the test profile waits 4 s
        List<ConsumerRecord<String, byte[]>> a = audio(id, 2);
        assertThat(a).allSatisfy(r -> assertThat(meta(r).hasTranscript()).isFalse());
        // no speaker named: each utterance goes to the per-utterance topic under its own id, no group is opened
        assertThat(a).extracting(ConsumerRecord::topic).containsOnly(Topics.UTTERANCES_AUDIO);
        assertThat(a).extracting(ConsumerRecord::key).containsExactly(id + "#0", id + "#1");
        assertThat(TestKafka.readAll(Topics.UTTERANCES_TEXT, r -> r.key().startsWith(id + "#")))
                .isEmpty();
    }

    @Test
    void channelMapSegmentsEachSpeakerSeparately() {
        String id = newId("call");
        float[] agent = AudioFixtures.pattern(8_000, 0.5, 1.5, 3.0);
        float[] customer = AudioFixtures.pattern(8_000, 2.5, 2.0, 0.5);
        sendRecording(
                id,
                AudioFixtures.encode(Format.WAV_ULAW, 8_000, agent, customer),
                RecordingHeaders.SPEAKERS,
                "0=agent,1=customer",
                RecordingHeaders.TRANSCRIPT_MODE,
                "none");
        List<ConsumerRecord<String, byte[]>> a = audio(id, 2);
        assertThat(a).extracting(r -> meta(r).speaker()).containsExactly("agent", "customer");
        assertThat(a).extracting(r -> meta(r).channel()).containsExactly(0, 1);
        // named speakers: their utterances are grouped by (recording, speaker) for speaker-aware scoring, each group
        // closed by its end marker with the count, after its utterances on the same partition
        assertThat(a).extracting(ConsumerRecord::topic).containsOnly(Topics.UTTERANCES_AUDIO_SPEAKER);
        assertThat(a).extracting(ConsumerRecord::key).containsExactly(id + "|agent", id + "|customer");
        assertThat(groupEnds(id, 2))
                .containsExactlyInAnyOrder(
                        new SpeakerGroups.End(id, "agent", 1), new SpeakerGroups.End(id, "customer", 1));
        List<ConsumerRecord<String, byte[]>> agentGroup =
                TestKafka.readAll(Topics.UTTERANCES_AUDIO_SPEAKER, r -> r.key().equals(id + "|agent"));
        assertThat(agentGroup).extracting(r -> SpeakerGroups.isEnd(r.headers())).containsExactly(false, true);
        assertThat(agentGroup)
                .extracting(ConsumerRecord::partition)
                .containsOnly(agentGroup.get(0).partition());
    }

    record Bad(String name, byte[] audio, String[] headers, FailureReason reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> badRecordings() {
        byte[] wav = twoUtterances(Format.WAV);
        byte[] unknownCodec = wav.clone();
        unknownCodec[20] = 0x34; // WAVE format tag 0x1234: no decoder exists
        unknownCodec[21] = 0x12;
        float[] long70s = AudioFixtures.pattern(8_000, 70);
        String outside = new String(
                EventSerdes.TRANSCRIPT.serialize(
                        Topics.TRANSCRIPTS,
                        Transcript.timed(
                                null, null, List.of(new Transcript.Segment(12.0, 14.0, null, "after the end")))),
                StandardCharsets.UTF_8);
        return Stream.of(
                new Bad("zero-length", new byte[0], new String[0], FailureReason.AUDIO_EMPTY),
                new Bad("header-only", AudioFixtures.headerOnlyWav(), new String[0], FailureReason.AUDIO_EMPTY),
                new Bad(
                        "truncated",
                        AudioFixtures.head(twoUtterances(Format.FLAC), 0.5),
                        new String[0],
                        FailureReason.AUDIO_CORRUPT),
                new Bad(
                        "corrupt",
                        corruptMiddle(twoUtterances(Format.MP3)),
                        new String[0],
                        FailureReason.AUDIO_CORRUPT),
                new Bad(
                        "non-audio",
                        "hello, I am not audio at all".repeat(40).getBytes(StandardCharsets.UTF_8),
                        new String[0],
                        FailureReason.AUDIO_UNREADABLE),
                new Bad("unsupported-codec", unknownCodec, new String[0], FailureReason.AUDIO_UNREADABLE),
                new Bad(
                        "video-without-audio",
                        AudioFixtures.videoWithoutAudio(),
                        new String[0],
                        FailureReason.AUDIO_EMPTY),
                new Bad("too-large", new byte[3_100_000], new String[0], FailureReason.AUDIO_TOO_LARGE),
                new Bad(
                        "too-long",
                        AudioFixtures.encode(Format.FLAC, 8_000, long70s),
                        new String[0],
                        FailureReason.AUDIO_TOO_LONG),
                new Bad(
                        "malformed-json-transcript",
                        wav,
                        new String[] {RecordingHeaders.TRANSCRIPT, "{\"schemaVersion\":1,\"segments\":[{\"start\":2}"},
                        FailureReason.TRANSCRIPT_MALFORMED),
                new Bad(
                        "malformed-vtt-transcript",
                        wav,
                        new String[] {RecordingHeaders.TRANSCRIPT, "WEBVTT\n\n00:01 --> nowhere\nx\n"},
                        FailureReason.TRANSCRIPT_MALFORMED),
                new Bad(
                        "segments-outside-audio",
                        wav,
                        new String[] {RecordingHeaders.TRANSCRIPT, outside},
                        FailureReason.TRANSCRIPT_OUT_OF_RANGE),
                new Bad(
                        "bad-speaker-map",
                        wav,
                        new String[] {RecordingHeaders.SPEAKERS, "left=agent", RecordingHeaders.TRANSCRIPT_MODE, "none"
                        },
                        FailureReason.MALFORMED_EVENT),
                // issue 18: this one killed the JVM (OutOfMemoryError); over the test's 2 MB it goes by reference
                new Bad(
                        "poison-transcript",
                        wav,
                        new String[] {RecordingHeaders.TRANSCRIPT, PoisonTranscript.json()},
                        FailureReason.TRANSCRIPT_TOO_LARGE),
                new Bad(
                        "overlapping-transcript",
                        wav,
                        new String[] {RecordingHeaders.TRANSCRIPT, PoisonTranscript.overlapping(9)},
                        FailureReason.TRANSCRIPT_OVERLAP));
    }

    /** Overwrites 2 kB in the middle of the MP3 stream with garbage. */
    private static byte[] corruptMiddle(byte[] mp3) {
        byte[] b = mp3.clone();
        java.util.Random r = new java.util.Random(1);
        for (int i = b.length / 2; i < b.length / 2 + 2048; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    @ParameterizedTest
    @MethodSource("badRecordings")
    void badInputIsDeadLetteredWithItsBytesAndThePartitionMovesOn(Bad bad) {
        String id = newId("bad-" + bad.name);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.RECORDINGS, 0, id, bad.audio);
        for (int i = 0; i < bad.headers.length; i += 2) {
            r.headers().add(bad.headers[i], bad.headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        if (bad.headers.length == 0) {
            r.headers().add(RecordingHeaders.TRANSCRIPT_MODE, "none".getBytes(StandardCharsets.UTF_8));
        }
        TestKafka.send(r);
        // a good recording right behind it on the same partition
        String good = newId("after-" + bad.name);
        ProducerRecord<String, byte[]> next =
                new ProducerRecord<>(Topics.RECORDINGS, 0, good, twoUtterances(Format.WAV));
        next.headers().add(RecordingHeaders.TRANSCRIPT_MODE, "none".getBytes(StandardCharsets.UTF_8));
        TestKafka.send(next);

        ConsumerRecord<String, byte[]> dl = IngestRecords.deadLetter(id, Topics.RECORDINGS)
                .orElseThrow(() -> new AssertionError("no dead letter for " + bad.name));
        DeadLetter meta = DeadLetter.fromHeaders(dl.headers());
        assertThat(meta.reason()).isEqualTo(bad.reason);
        assertThat(meta.sourcePartition()).isZero();
        assertThat(meta.service()).isEqualTo("ingest-service");
        assertThat(meta.detail()).isNotBlank();
        long size = bad.audio.length;
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            size += h.key().length() + h.value().length;
        }
        // the test profile dead-letters records over 2 MB by reference: the original stays where the letter says
        boolean byReference = size > 2_000_000;
        assertThat(DeadLetter.isByReference(dl.headers())).isEqualTo(byReference);
        if (byReference) {
            assertThat(dl.value()).isNull();
            List<ConsumerRecord<String, byte[]>> original = TestKafka.readAll(
                    Topics.RECORDINGS,
                    x -> x.partition() == meta.sourcePartition() && x.offset() == meta.sourceOffset());
            assertThat(original)
                    .singleElement()
                    .satisfies(o -> assertThat(o.value()).isEqualTo(bad.audio));
        } else {
            assertThat(dl.value()).isEqualTo(bad.audio);
        }
        RecordingStatus failed = status(id, RecordingStatus.State.FAILED);
        assertThat(failed.reason()).isEqualTo(bad.reason);
        assertThat(TestKafka.readAll(Topics.UTTERANCES_AUDIO, x -> x.key().startsWith(id + "#")))
                .isEmpty();

        assertThat(audio(good, 2)).hasSize(2);
    }

    @Test
    void invalidKeysAndMalformedTranscriptsOnTheTranscriptsTopicAreDeadLettered() {
        TestKafka.send(Topics.RECORDINGS, "not a valid id!", twoUtterances(Format.WAV));
        assertThat(IngestRecords.deadLetter("not a valid id!", Topics.RECORDINGS))
                .get()
                .extracting(r -> DeadLetter.fromHeaders(r.headers()).reason())
                .isEqualTo(FailureReason.INVALID_KEY);

        String id = newId("bad-transcript");
        byte[] junk = "{\"schemaVersion\":1,\"segments\":\"nope\"}".getBytes(StandardCharsets.UTF_8);
        TestKafka.send(Topics.TRANSCRIPTS, id, junk);
        ConsumerRecord<String, byte[]> dl =
                IngestRecords.deadLetter(id, Topics.TRANSCRIPTS).orElseThrow();
        assertThat(DeadLetter.fromHeaders(dl.headers()).reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED);
        assertThat(dl.value()).isEqualTo(junk);
    }

    /**
     * A recording and a transcript whose processing throws (test fault injection: keys containing "fault-throw")
     * are dead-lettered by Kafka Streams' processing exception handler with their bytes and PROCESSING_FAILED; the
     * recording (and the transcript) behind each on its partition is segmented.
     */
    @Test
    void recordsWhoseProcessingThrowsAreDeadLetteredAndThePartitionMovesOn() {
        String poison = newId("fault-throw-rec");
        String next = TestKafka.keyOnPartitionOf(poison, newId("after-rec") + "-", "");
        byte[] wav = twoUtterances(Format.WAV);
        sendRecording(poison, wav, RecordingHeaders.TRANSCRIPT_MODE, "none");
        sendRecording(next, wav, RecordingHeaders.TRANSCRIPT_MODE, "none");

        String poisonT = newId("fault-throw-tr");
        String nextT = TestKafka.keyOnPartitionOf(poisonT, newId("after-tr") + "-", "");
        byte[] text = "I would like a refund.".getBytes(StandardCharsets.UTF_8);
        TestKafka.send(Topics.TRANSCRIPTS, poisonT, text);
        TestKafka.send(Topics.TRANSCRIPTS, nextT, "Thank you so much.".getBytes(StandardCharsets.UTF_8));
        sendRecording(nextT, wav);

        for (String[] c : new String[][] {{poison, Topics.RECORDINGS}, {poisonT, Topics.TRANSCRIPTS}}) {
            ConsumerRecord<String, byte[]> dl =
                    IngestRecords.deadLetter(c[0], c[1]).orElseThrow();
            assertThat(dl.value()).isEqualTo(c[1].equals(Topics.RECORDINGS) ? wav : text);
            DeadLetter d = DeadLetter.fromHeaders(dl.headers());
            assertThat(d.reason()).isEqualTo(FailureReason.PROCESSING_FAILED);
            assertThat(d.detail()).contains("TEST FAULT");
            assertThat(d.sourcePartition()).isEqualTo(TestKafka.partitionOf(c[0]));
            assertThat(d.service()).isEqualTo("ingest-service");
        }
        assertThat(audio(next, 2))
                .as("the recording behind the poison on its partition")
                .hasSize(2);
        assertThat(text(nextT, 1)).extracting(UtteranceText::text).containsExactly("Thank you so much.");
    }

    @Test
    void transactionTimeoutIsSizedForTheLongestRecording() {
        // test profile: max-duration 60 s -> 60 s + 60 s / 40
        assertThat(streamsConfig.originals().get("producer.transaction.timeout.ms"))
                .hasToString("61500");
        assertThat(streamsConfig.originals().get("max.poll.interval.ms")).hasToString("121500");
        assertThat(streamsConfig.originals().get("processing.exception.handler"))
                .hasToString("io.emostream.guard.streams.DeadLetterProcessingHandler");
    }
}
