package io.emostream.ingest.transcript;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Transcript;
import io.emostream.ingest.IngestException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TranscriptParserTest {

    private static Transcript parse(String s, String type) throws IngestException {
        return TranscriptParser.parse(s.getBytes(StandardCharsets.UTF_8), type, "rec-1", "en");
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
        assertThat(t.segments()).containsExactly(
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
        assertThatThrownBy(() -> TranscriptParser.parse(new byte[]{(byte) 0xff, (byte) 0xfe, 0x41}, null, "r", null))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED));
    }

    private static void assertMalformed(String s, String type) {
        assertThatThrownBy(() -> parse(s, type)).isInstanceOfSatisfying(IngestException.class,
                e -> assertThat(e.reason()).isEqualTo(FailureReason.TRANSCRIPT_MALFORMED));
    }
}
