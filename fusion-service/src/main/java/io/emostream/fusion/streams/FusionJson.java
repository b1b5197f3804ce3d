package io.emostream.fusion.streams;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import com.fasterxml.jackson.datatype.jsr310.ser.InstantSerializer;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Json;
import io.emostream.contracts.JsonSerde.MalformedEventException;
import org.apache.kafka.common.errors.SerializationException;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * The JSON of fusion's hot path: the contracts' configuration ({@link Json#MAPPER}, same bytes in and out) with a
 * faster codec for the UTC instants every score and result carries, and the reader and writer built once.
 * <p>
 * Why: in a profile of the processor, parsing instants with {@link DateTimeFormatter#ISO_INSTANT} was 20 % of its
 * time and formatting them 6 %. The codec here handles the form the platform writes ({@code
 * yyyy-MM-ddTHH:mm:ss[.fraction]Z}, years 1970–9999) by hand and hands everything else (offsets, lower case, leap
 * seconds, numbers, other years) to Jackson's own {@code InstantDeserializer} / {@code InstantSerializer}, so
 * every input reads, and every instant is written, exactly as with {@link Json#MAPPER} ({@code FusionJsonTest}).
 */
final class FusionJson {

    static final ObjectMapper MAPPER = Json.MAPPER
            .copy()
            .registerModule(new SimpleModule("emostream-fusion-instants")
                    .addSerializer(Instant.class, new InstantWriter())
                    .addDeserializer(Instant.class, new InstantReader()));

    private static final ObjectReader SCORE = MAPPER.readerFor(EmotionScore.class);
    private static final ObjectWriter FUSED = MAPPER.writerFor(FusedEmotion.class);

    /** 9999-12-31T23:59:59Z: later instants need a sign and more digits; the standard writer does those. */
    private static final long MAX_FAST_SECOND = 253_402_300_799L;

    private FusionJson() {}

    /** As {@code EventSerdes.EMOTION_SCORE.deserialize}: same result, same exceptions and messages. */
    static EmotionScore readScore(byte[] data) {
        EmotionScore value;
        try {
            value = SCORE.readValue(data);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "not a valid EmotionScore: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedEventException(
                    FailureReason.MALFORMED_EVENT, "not a valid EmotionScore: " + e.getMessage(), e);
        }
        if (value.schemaVersion() < 1 || value.schemaVersion() > EmotionScore.SCHEMA_VERSION) {
            throw new MalformedEventException(
                    FailureReason.UNSUPPORTED_SCHEMA_VERSION,
                    "EmotionScore schemaVersion " + value.schemaVersion() + " is not supported (1.."
                            + EmotionScore.SCHEMA_VERSION + ")",
                    null);
        }
        return value;
    }

    /** As {@code EventSerdes.FUSED_EMOTION.serialize}: the same bytes. */
    static byte[] writeFused(FusedEmotion fused) {
        try {
            return FUSED.writeValueAsBytes(fused);
        } catch (IOException e) {
            throw new SerializationException("cannot write FusedEmotion: " + e.getMessage(), e);
        }
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.d{1,9}]Z} in UTC, or null when {@code s} is not exactly that form. */
    static Instant parseUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z') {
            return null;
        }
        if (s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 1970
                || month < 0
                || day < 0
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return null;
        }
        int nano = 0;
        if (n > 20) {
            int fraction = n - 21; // between the '.' and the 'Z'
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return null;
            }
            int f = digits(s, 20, fraction);
            if (f < 0) {
                return null;
            }
            nano = f;
            for (int i = fraction; i < 9; i++) {
                nano *= 10;
            }
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null; // e.g. February 30: the standard parser reports it
        }
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nano);
    }

    /** The {@code count} decimal digits at {@code from}, or -1 when one is not a digit. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** As {@code DateTimeFormatter.ISO_INSTANT.format(t)}, or null outside 1970–9999. */
    static String formatUtc(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds < 0 || seconds > MAX_FAST_SECOND) {
            return null;
        }
        long epochDay = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        char[] b = new char[30];
        put(b, 0, date.getYear(), 4);
        b[4] = '-';
        put(b, 5, date.getMonthValue(), 2);
        b[7] = '-';
        put(b, 8, date.getDayOfMonth(), 2);
        b[10] = 'T';
        put(b, 11, secondOfDay / 3_600, 2);
        b[13] = ':';
        put(b, 14, secondOfDay / 60 % 60, 2);
        b[16] = ':';
        put(b, 17, secondOfDay % 60, 2);
        int end = 19;
        int nano = t.getNano();
        if (nano > 0) {
            // ISO_INSTANT prints the fraction in groups of three digits, as many as needed
            b[end++] = '.';
            if (nano % 1_000_000 == 0) {
                put(b, end, nano / 1_000_000, 3);
                end += 3;
            } else if (nano % 1_000 == 0) {
                put(b, end, nano / 1_000, 6);
                end += 6;
            } else {
                put(b, end, nano, 9);
                end += 9;
            }
        }
        b[end++] = 'Z';
        return new String(b, 0, end);
    }

    private static void put(char[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The fast path for the platform's own form; Jackson's deserializer for everything else. */
    static final class InstantReader extends StdScalarDeserializer<Instant> {
        InstantReader() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                Instant fast = parseUtc(p.getText());
                if (fast != null) {
                    return fast;
                }
            }
            return InstantDeserializer.INSTANT.deserialize(p, ctxt);
        }
    }

    /** The fast path for 1970–9999 (with dates written as ISO strings, as {@link Json#MAPPER} does). */
    static final class InstantWriter extends StdSerializer<Instant> {
        InstantWriter() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator g, SerializerProvider provider) throws IOException {
            String fast = formatUtc(value);
            if (fast != null) {
                g.writeString(fast);
            } else {
                InstantSerializer.INSTANCE.serialize(value, g, provider);
            }
        }
    }
}
