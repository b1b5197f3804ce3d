package io.emostream.fusion.streams;

import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.Json;
import io.emostream.contracts.JsonSerde.MalformedEventException;
import io.emostream.fusion.FusionJoiner;
import io.emostream.fusion.Scores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fast instant codec reads and writes exactly what the contracts' mapper does. */
class FusionJsonTest {

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    private static Object readWith(com.fasterxml.jackson.databind.ObjectMapper m, String s) {
        try {
            return m.readValue(quoted(s), Instant.class);
        } catch (Exception e) {
            return e.getClass();
        }
    }

    @Test
    void instantsReadAsWithTheContractsMapper() {
        List<String> inputs = List.of(
                "2025-03-01T10:00:00Z",
                "2025-03-01T10:00:00.1Z",
                "2025-03-01T10:00:00.120Z",
                "2025-03-01T10:00:00.123456Z",
                "2025-03-01T10:00:00.123456789Z",
                "2024-02-29T23:59:59.999Z",
                "1970-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z",
                "2025-03-01t10:00:00z",
                "2025-03-01T10:00:00+02:00",
                "2025-03-01T10:00:60Z",
                "2025-02-30T10:00:00Z",
                "2025-13-01T10:00:00Z",
                "2025-03-01T24:00:00Z",
                "2025-03-01T10:00:00.Z",
                "2025-03-01T10:00:00.1234567890Z",
                "1969-12-31T23:59:59Z",
                " 2025-03-01T10:00:00Z ",
                "2025-3-01T10:00:00Z",
                "garbage",
                "");
        for (String s : inputs) {
            assertThat(readWith(FusionJson.MAPPER, s)).as(s).isEqualTo(readWith(Json.MAPPER, s));
        }
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    r.nextLong(0, 253_402_300_800L), r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000));
            for (Instant x :
                    List.of(t, Instant.ofEpochMilli(t.toEpochMilli()), Instant.ofEpochSecond(t.getEpochSecond()))) {
                String s = DateTimeFormatter.ISO_INSTANT.format(x);
                assertThat(FusionJson.parseUtc(s)).as(s).isEqualTo(x);
                assertThat(FusionJson.formatUtc(x)).as(s).isEqualTo(s);
            }
        }
    }

    @Test
    void instantsWriteAsWithTheContractsMapper() throws Exception {
        for (Instant t : List.of(
                Instant.EPOCH,
                Instant.parse("2025-03-01T10:00:00Z"),
                Instant.parse("2025-03-01T10:00:00.100Z"),
                Instant.parse("2025-03-01T10:00:00.000001Z"),
                Instant.parse("2025-03-01T10:00:00.000000001Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.MIN,
                Instant.MAX)) {
            assertThat(FusionJson.MAPPER.writeValueAsString(t))
                    .as(t.toString())
                    .isEqualTo(Json.MAPPER.writeValueAsString(t));
        }
    }

    @Test
    void scoresAndResultsAreTheContractsBytes() {
        EmotionScore s = Scores.speech("rec-a#0", Scores.ANGRY_VOICE);
        EmotionScore t = Scores.text("rec-a#0", "Kids are talking by the door", Scores.NEUTRAL_TEXT);
        byte[] sj = EventSerdes.EMOTION_SCORE.serialize(null, s);
        assertThat(FusionJson.readScore(sj)).isEqualTo(EventSerdes.EMOTION_SCORE.deserialize(null, sj));
        FusedEmotion f = FusionJoiner.of(FusionMode.FIXED, 0.6, 1.0)
                .fuse(s, t, false, Instant.parse("2025-03-01T10:00:01.234567Z"));
        assertThat(new String(FusionJson.writeFused(f), StandardCharsets.UTF_8))
                .isEqualTo(new String(EventSerdes.FUSED_EMOTION.serialize(null, f), StandardCharsets.UTF_8));
    }

    @Test
    void malformedScoresFailAsWithTheContractsSerde() {
        for (String bad :
                List.of("{", "{\"schemaVersion\":9,\"utteranceId\":\"a#0\"}", "[1,2]", "{\"scoredAt\":\"x\"}")) {
            byte[] b = bad.getBytes(StandardCharsets.UTF_8);
            Throwable expected = catchIt(() -> EventSerdes.EMOTION_SCORE.deserialize(null, b));
            assertThat(expected).as(bad).isInstanceOf(MalformedEventException.class);
            assertThatThrownBy(() -> FusionJson.readScore(b))
                    .as(bad)
                    .isInstanceOf(MalformedEventException.class)
                    .hasMessage(expected.getMessage())
                    .extracting(e -> ((MalformedEventException) e).reason())
                    .isEqualTo(((MalformedEventException) expected).reason());
        }
        assertThat(((MalformedEventException) catchIt(
                                () -> FusionJson.readScore("{\"schemaVersion\":9}".getBytes(StandardCharsets.UTF_8))))
                        .reason())
                .isIn(FailureReason.UNSUPPORTED_SCHEMA_VERSION, FailureReason.MALFORMED_EVENT);
    }

    private static Throwable catchIt(Runnable r) {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }
}
