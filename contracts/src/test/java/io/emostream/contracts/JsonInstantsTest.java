package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Json#MAPPER}'s fast instant codec reads and writes exactly what Jackson's own instant codec does. */
class JsonInstantsTest {

    /** {@link Json#MAPPER} without {@link FastInstants}: Jackson's own instant codec. */
    private static final ObjectMapper JACKSON = Json.configuration().build();

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    /** The value read, or the failure's class and message. */
    private static Object read(ObjectMapper m, String json, Class<?> type) {
        try {
            return m.readValue(json, type);
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Test
    void theMapperUsesTheFastCodec() throws Exception {
        assertThat(Json.MAPPER
                        .getSerializerProviderInstance()
                        .findValueSerializer(Instant.class)
                        .getClass())
                .isEqualTo(FastInstants.Writer.class);
        DeserializationContext ctxt = ((DefaultDeserializationContext) Json.MAPPER.getDeserializationContext())
                .createInstance(Json.MAPPER.getDeserializationConfig(), null, null);
        assertThat(ctxt.findRootValueDeserializer(Json.MAPPER.constructType(Instant.class))
                        .getClass())
                .isEqualTo(FastInstants.Reader.class);
    }

    @Test
    void instantsReadAsWithJacksonsOwnCodec() {
        List<String> strings = List.of(
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
                "+10000-01-01T00:00:00Z",
                "1740823200",
                "1740823200.5",
                "garbage",
                "");
        List<String> json = new ArrayList<>();
        strings.forEach(s -> json.add(quoted(s)));
        json.addAll(List.of("1740823200", "1740823200.5", "-1", "null", "[]", "{}"));
        for (String j : json) {
            assertThat(read(Json.MAPPER, j, Instant.class)).as(j).isEqualTo(read(JACKSON, j, Instant.class));
        }
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(
                    r.nextLong(0, 253_402_300_800L), r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000));
            for (Instant x :
                    List.of(t, Instant.ofEpochMilli(t.toEpochMilli()), Instant.ofEpochSecond(t.getEpochSecond()))) {
                String s = DateTimeFormatter.ISO_INSTANT.format(x);
                assertThat(FastInstants.parseUtc(s)).as(s).isEqualTo(x);
                assertThat(FastInstants.formatUtc(x)).as(s).isEqualTo(s);
            }
        }
    }

    @Test
    void instantsWriteAsWithJacksonsOwnCodec() throws Exception {
        for (Instant t : List.of(
                Instant.EPOCH,
                Instant.parse("2025-03-01T10:00:00Z"),
                Instant.parse("2025-03-01T10:00:00.100Z"),
                Instant.parse("2025-03-01T10:00:00.000001Z"),
                Instant.parse("2025-03-01T10:00:00.000000001Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.MIN,
                Instant.MAX)) {
            assertThat(Json.MAPPER.writeValueAsString(t)).as(t.toString()).isEqualTo(JACKSON.writeValueAsString(t));
            // written as timestamps when a writer asks for that
            assertThat(Json.MAPPER
                            .writer()
                            .with(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                            .writeValueAsString(t))
                    .as(t.toString())
                    .isEqualTo(JACKSON.writer()
                            .with(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                            .writeValueAsString(t));
        }
    }

    /** A property with its own format. */
    record Formatted(
            Instant plain,
            @JsonFormat(shape = JsonFormat.Shape.NUMBER) Instant number,

            @JsonFormat(pattern = "yyyy-MM-dd HH:mm", timezone = "UTC")
            Instant pattern) {}

    @Test
    void propertiesWithTheirOwnFormatAreJacksons() throws Exception {
        Instant t = Instant.parse("2025-03-01T10:07:00.250Z");
        Formatted f = new Formatted(t, t, Instant.parse("2025-03-01T10:07:00Z"));
        String json = JACKSON.writeValueAsString(f);
        assertThat(json).contains("\"number\":1740823620.25").contains("\"pattern\":\"2025-03-01 10:07\"");
        assertThat(Json.MAPPER.writeValueAsString(f)).isEqualTo(json);
        assertThat(Json.MAPPER.readValue(json, Formatted.class))
                .isEqualTo(JACKSON.readValue(json, Formatted.class))
                .isEqualTo(f);
    }

    private static EmotionScore score(String scoredAt) {
        UtteranceText u = new UtteranceText(
                "rec-a",
                0,
                0,
                1500,
                "agent",
                "en",
                "Kids are talking by the door",
                Instant.parse("2025-03-01T10:00:00Z"));
        return EmotionScore.forText(
                u,
                new ModelRef("ter", "3.0.0"),
                Distribution.of(0.05, 0.05, 0.05, 0.7, 0.05, 0.05, 0.05),
                new InferenceTiming(0.5, 4, 1, 1),
                Instant.parse(scoredAt));
    }

    @Test
    void eventsAreJacksonsBytes() throws Exception {
        EmotionScore s = score("2025-03-01T10:00:00.123456789Z");
        byte[] sj = EventSerdes.EMOTION_SCORE.serialize("t", s);
        assertThat(sj).isEqualTo(JACKSON.writeValueAsBytes(s));
        assertThat(EventSerdes.EMOTION_SCORE.deserialize("t", sj))
                .isEqualTo(JACKSON.readValue(sj, EmotionScore.class))
                .isEqualTo(s);

        Distribution p = Distribution.of(0.1, 0.1, 0.1, 0.6, 0.05, 0.03, 0.02);
        FusedEmotion f = new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                "rec-a#0",
                "rec-a",
                0,
                0,
                1500,
                "agent",
                "Kids are talking by the door",
                Modalities.TEXT_ONLY,
                FusionMode.FIXED,
                0.0,
                1.0,
                null,
                s,
                p,
                p.label(),
                p.confidence(),
                false,
                Instant.parse("2025-03-01T10:00:00Z"),
                Instant.parse("2025-03-01T10:00:01.234567Z"));
        byte[] fj = EventSerdes.FUSED_EMOTION.serialize("t", f);
        assertThat(fj).isEqualTo(JACKSON.writeValueAsBytes(f));
        assertThat(EventSerdes.FUSED_EMOTION.deserialize("t", fj))
                .isEqualTo(JACKSON.readValue(fj, FusedEmotion.class))
                .isEqualTo(f);
    }
}
