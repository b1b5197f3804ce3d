package io.emostream.ingest.segment;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.AudioFixtures;
import io.emostream.ingest.AudioFixtures.Format;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.RecordingMeta;
import io.emostream.ingest.TestConfig;
import io.emostream.ingest.Utterance;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RecordingSegmenterTest {

    private final RecordingSegmenter segmenter = new RecordingSegmenter(TestConfig.defaults());
    private final float[] speech = AudioFixtures.pattern(44_100, 0.5, 1.5, 0.8, 2.0, 0.5);
    private final byte[] mp3 = AudioFixtures.encode(Format.MP3, 44_100, speech);

    private List<Utterance> run(byte[] audio, RecordingMeta meta) throws IngestException {
        List<Utterance> out = new ArrayList<>();
        segmenter.segment(audio, meta, out::add);
        return out;
    }

    @Test
    void withoutTranscriptCutsByVoiceActivity() throws Exception {
        List<Utterance> u = run(mp3, new RecordingMeta("rec", "en", Map.of(), null));
        assertThat(u).extracting(Utterance::index).containsExactly(0, 1);
        assertThat(u).allSatisfy(x -> assertThat(x.text()).isNull());
        assertThat(u.get(0).startMs()).isCloseTo(300L, within(60L));
        assertThat(u.get(1).endMs()).isCloseTo(5000L, within(60L));
        assertThat(u.get(0).samples().length / 16)
                .isEqualTo((int) (u.get(0).endMs() - u.get(0).startMs()));
    }

    @Test
    void reingestingGivesTheSameUtterances() throws Exception {
        RecordingMeta meta = new RecordingMeta("rec", "en", Map.of(), null);
        List<Utterance> a = run(mp3, meta);
        List<Utterance> b = run(mp3, meta);
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).startMs()).isEqualTo(b.get(i).startMs());
            assertThat(a.get(i).samples()).isEqualTo(b.get(i).samples());
        }
    }

    @Test
    void timedTranscriptDecidesTheCutsAndCarriesTheText() throws Exception {
        Transcript t = Transcript.timed(
                "rec",
                "en",
                List.of(
                        new Transcript.Segment(2.6, 4.8, "customer", "second"),
                        new Transcript.Segment(0.3, 2.2, "agent", "first")));
        List<Utterance> u = run(mp3, new RecordingMeta("rec", "en", Map.of(), t));
        assertThat(u).extracting(Utterance::text).containsExactly("first", "second");
        assertThat(u).extracting(Utterance::index).containsExactly(0, 1);
        assertThat(u.get(0).startMs()).isEqualTo(300);
        assertThat(u.get(0).endMs()).isEqualTo(2200);
        assertThat(u.get(0).samples()).hasSize((2200 - 300) * 16);
        assertThat(u.get(1).speaker()).isEqualTo("customer");
    }

    @Test
    void untimedTextCoversTheWholeRecording() throws Exception {
        List<Utterance> u = run(
                mp3,
                new RecordingMeta(
                        "rec", "en", Map.of(), Transcript.untimed("rec", "en", "Dogs are sitting by the door")));
        assertThat(u).hasSize(1);
        assertThat(u.get(0).startMs()).isZero();
        assertThat(u.get(0).endMs()).isCloseTo(5300L, within(120L));
        assertThat(u.get(0).text()).isEqualTo("Dogs are sitting by the door");
    }

    @Test
    void longTranscriptSegmentsAreSplitWithTheirWords() throws Exception {
        RecordingSegmenter short2s = new RecordingSegmenter(TestConfig.withMaxUtterance("2s"));
        List<Utterance> u = new ArrayList<>();
        short2s.segment(
                mp3,
                new RecordingMeta(
                        "rec",
                        null,
                        Map.of(),
                        Transcript.timed(
                                "rec",
                                null,
                                List.of(new Transcript.Segment(0, 5, null, "one two three four five six")))),
                u::add);
        assertThat(u).hasSize(3);
        assertThat(u).extracting(Utterance::text).containsExactly("one two", "three four", "five six");
        assertThat(u).allSatisfy(x -> assertThat(x.endMs() - x.startMs()).isLessThanOrEqualTo(2000));
    }

    @Test
    void segmentsOutsideTheAudioRejectTheRecordingBeforeAnythingIsCut() {
        Transcript t = Transcript.timed(
                "rec",
                "en",
                List.of(
                        new Transcript.Segment(0.3, 2.2, null, "ok"),
                        new Transcript.Segment(9.0, 12.0, null, "beyond the end")));
        List<Utterance> out = new ArrayList<>();
        assertThatThrownBy(() -> segmenter.segment(mp3, new RecordingMeta("rec", "en", Map.of(), t), out::add))
                .isInstanceOfSatisfying(
                        IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_OUT_OF_RANGE));
        assertThat(out).isEmpty();
    }

    @Test
    void channelMapSegmentsEachSpeakerOnItsOwnChannel() throws Exception {
        // agent talks on the left while the right is silent, then the customer on the right
        float[] left = AudioFixtures.pattern(16_000, 0.5, 1.5, 3.0);
        float[] right = AudioFixtures.pattern(16_000, 2.5, 2.0, 0.5);
        byte[] wav = AudioFixtures.encode(Format.WAV, 16_000, left, right);
        List<Utterance> u = run(wav, new RecordingMeta("call", "en", Map.of(0, "agent", 1, "customer"), null));
        assertThat(u).extracting(Utterance::speaker).containsExactly("agent", "customer");
        assertThat(u).extracting(Utterance::channel).containsExactly(0, 1);
        assertThat(u.get(1).startMs()).isCloseTo(2300L, within(60L));
    }

    @Test
    void channelMapNamingAMissingChannelIsRejected() {
        assertThatThrownBy(() -> run(mp3, new RecordingMeta("rec", null, Map.of(3, "x"), null)))
                .isInstanceOfSatisfying(
                        IngestException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED_EVENT));
    }

    @Test
    void oneValidationPassCountsWhatOneCutPassDelivers() throws Exception {
        Path file = Files.createTempFile("segmenter", ".mp3");
        try {
            Files.write(file, mp3);
            for (RecordingMeta meta : List.of(
                    new RecordingMeta("rec", "en", Map.of(), null),
                    new RecordingMeta(
                            "rec",
                            "en",
                            Map.of(),
                            Transcript.timed(
                                    "rec",
                                    "en",
                                    List.of(
                                            new Transcript.Segment(0.3, 2.2, null, "first"),
                                            new Transcript.Segment(1.0, 4.8, null, "overlapping")))))) {
                // validated from the uploaded file, cut from the record's bytes, as REST and the stream do
                RecordingSegmenter.Result v = segmenter.validate(RecordingSegmenter.Audio.of(file), meta);
                List<Utterance> cut = new ArrayList<>();
                segmenter.cut(RecordingSegmenter.Audio.of(mp3), meta, v.audio(), cut::add);
                List<Utterance> twoPasses = run(mp3, meta);
                assertThat(cut).hasSize(v.utterances()).hasSameSizeAs(twoPasses);
                for (int i = 0; i < cut.size(); i++) {
                    assertThat(cut.get(i).samples()).isEqualTo(twoPasses.get(i).samples());
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
