package io.emostream.ingest.transcript;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.IngestException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TranscriptParserTest {

    private static final TranscriptParser PARSER = new TranscriptParser(new TranscriptParser.Limits(4096, 5, 2));

    private static Transcript parse(String s, String type) throws IngestException {
        return PARSER.parse(s.getBytes(StandardCharsets.UTF_8), type, "rec-1", "en");
    }

    @Test
    void plainTextIsOneUntimedUtterance() throws Exception {
        Transcript t = parse("  Kids are talking by the door.\n", null);
        assertThat(t.isTimed()).isFalse();
        assertThat(t.text()).isEqualTo("Kids are talking by the door.");
        assertThat(t.language()).isEqualTo("en");
    }

    @Test
    void jsonWithSegments() throws Exception {
        Transcript t = parse("""
                {"schemaVersion":1,"recordingId":"rec-1","language":"de","segments":[
                  {"start":0.5,"end":2.0,"speaker":"agent","text":"Guten Tag"},
                  {"start":2.5,"end":4.0,"text":"Hallo"}]}""", "application/json");
        assertThat(t.isTimed()).isTrue();
        assertThat(t.language()).isEqualTo("de");
        assertThat(t.segments()).extracting(Transcript.Segment::speaker).containsExactly("agent", null);
    }

    @Test
    void webVttWithVoiceTagsIdentifiersAndNotes() throws Exception {
        Transcript t = parse("""
                WEBVTT - produced by an ASR tool

                NOTE this block is ignored
                and so is this line

                1
                00:00:00.500 --> 00:00:02.000 align:start
                <v Agent>Thank you for calling.</v>

                00:02.500 --> 00:04.250
                <v.loud Customer>My order &amp; my refund</v>
                never <i>came</i>.
                """, null);
        assertThat(t.segments())
                .containsExactly(
                        new Transcript.Segment(0.5, 2.0, "Agent", "Thank you for calling."),
                        new Transcript.Segment(2.5, 4.25, "Customer", "My order & my refund never came."));
    }

    @Test
    void malformedTranscriptsAreRejectedWithTheReason() {
        assertMalformed("{\"schemaVersion\":1,\"segments\":[{\"start\":3,\"end\":1,\"text\":\"x\"}]}", null);
        assertMalformed("{\"schemaVersion\":1,\"segments\":[{\"start\":1,\"end\":2}]}", null);
        assertMalformed("{\"schemaVersion\":1}", null);
        assertMalformed("{not json", null);
        assertMalformed("{\"schemaVersion\":1,\"recordingId\":\"other\",\"text\":\"hi\"}", null);
        assertMalformed("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nbroken arrow\n", null);
        assertMalformed("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n", null);
        assertMalformed("   \n ", null);
        assertThatThrownBy(() -> PARSER.parse(new byte[] {(byte) 0xff, (byte) 0xfe, 0x41}, null, "r", null))
                .isInstanceOfSatisfying(
                        IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED));
    }

    @Test
    void jsonAsOtherToolsWriteItIsAccepted() throws Exception {
        // no schemaVersion, no recordingId (it comes from the upload or the record key), extra fields, a whole text
        Transcript t = parse("""
                {"text":" Hello there. How are you?","language":"en","segments":[
                  {"id":0,"seek":0,"start":0.0,"end":1.5,"text":" Hello there.","tokens":[1,2],"temperature":0.0},
                  {"id":1,"start":"1.5","end":3.25,"text":" How are you?"}]}""", null);
        assertThat(t.schemaVersion()).isEqualTo(1);
        assertThat(t.recordingId()).isEqualTo("rec-1");
        assertThat(t.isTimed()).isTrue();
        assertThat(t.segments()).extracting(Transcript.Segment::end).containsExactly(1.5, 3.25);
        assertThat(parse("{\"text\":\"just words\"}", "application/json").text())
                .isEqualTo("just words");
    }

    @Test
    void errorsAreInPlainWords() {
        for (String bad : new String[] {
            "{\"segments\":[{\"start\":\"soon\",\"end\":2,\"text\":\"x\"}]}",
            "{\"segments\":[{\"start\":1,\"end\":2}]}",
            "{\"segments\":[{\"end\":2,\"text\":\"x\"}]}",
            "{\"segments\":{\"start\":1}}",
            "{\"schemaVersion\":\"one\",\"text\":\"x\"}",
            "{\"schemaVersion\":2,\"text\":\"x\"}",
            "{\"text\":[1,2]}",
            "{\"text\":\"x\""
        }) {
            assertThatThrownBy(() -> parse(bad, null)).as(bad).isInstanceOfSatisfying(IngestException.class, e -> {
                assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED);
                assertThat(e.getMessage())
                        .doesNotContainIgnoringCase("jackson")
                        .doesNotContain("Deserialization")
                        .doesNotContain("java.")
                        .doesNotContain("`")
                        .doesNotContain("Source:");
            });
        }
        assertThatThrownBy(() -> parse("{\"segments\":[{\"start\":1,\"end\":2}]}", null))
                .hasMessage("segment 1 has no \"text\"");
        assertThatThrownBy(() -> parse("{\"text\":\"x\"", null))
                .hasMessageStartingWith("the transcript is not valid JSON (line 1");
    }

    @Test
    void limitsBoundSizeSegmentsAndOverlap() throws Exception {
        assertReason("x".repeat(5000), FailureReason.TRANSCRIPT_TOO_LARGE);
        StringBuilder six = new StringBuilder("{\"segments\":[");
        for (int i = 0; i < 6; i++) {
            six.append(i == 0 ? "" : ",")
                    .append("{\"start\":")
                    .append(i)
                    .append(",\"end\":")
                    .append(i + 1)
                    .append(",\"text\":\"w\"}");
        }
        assertReason(six.append("]}").toString(), FailureReason.TRANSCRIPT_TOO_LARGE);
        assertReason("WEBVTT\n\n" + "00:01.000 --> 00:02.000\nw\n\n".repeat(6), FailureReason.TRANSCRIPT_TOO_LARGE);
        // three segments at once (0.5 s .. 1 s) with at most two allowed
        assertReason(
                "{\"segments\":[{\"start\":0,\"end\":1,\"text\":\"a\"},{\"start\":0.2,\"end\":2,\"text\":\"b\"},"
                        + "{\"start\":0.5,\"end\":3,\"text\":\"c\"}]}",
                FailureReason.TRANSCRIPT_OVERLAP);
        // touching segments do not overlap; two speakers at once are fine
        assertThat(parse(
                                "{\"segments\":[{\"start\":0,\"end\":1,\"text\":\"a\"},{\"start\":1,\"end\":2,\"text\":\"b\"},"
                                        + "{\"start\":1.5,\"end\":3,\"text\":\"c\"},{\"start\":2,\"end\":4,\"text\":\"d\"}]}",
                                null)
                        .segments())
                .hasSize(4);
    }

    private static void assertReason(String s, FailureReason reason) {
        assertThatThrownBy(() -> parse(s, null))
                .isInstanceOfSatisfying(
                        IngestException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static void assertMalformed(String s, String type) {
        assertThatThrownBy(() -> parse(s, type))
                .isInstanceOfSatisfying(
                        IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED));
    }
}
