package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.ContextualSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import com.fasterxml.jackson.datatype.jsr310.ser.InstantSerializer;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * The {@link Instant} codec of {@link Json#MAPPER}: a hand-written one for the UTC instants every event carries,
 * with Jackson's own as the fallback, so every instant reads and writes exactly as with Jackson's alone.
 * <p>
 * Why: in a profile of the fusion processor (issue 21), parsing instants with {@link DateTimeFormatter#ISO_INSTANT}
 * was 20 % of its time and formatting them 6 %. The codec here handles the form the platform writes ({@code
 * yyyy-MM-ddTHH:mm:ss[.fraction]Z}, years 1970–9999) by hand and hands everything else (offsets, lower case, leap
 * seconds, numbers, other years; instants written as timestamps; properties with their own {@code @JsonFormat}) to
 * Jackson's own {@code InstantDeserializer} / {@code InstantSerializer}, so every input reads, and every instant is
 * written, exactly as with the mapper without this module ({@code JsonInstantsTest}).
 */
final class FastInstants {

    /** 9999-12-31T23:59:59Z: later instants need a sign and more digits; the standard writer does those. */
    private static final long MAX_FAST_SECOND = 253_402_300_799L;

    private FastInstants() {}

    /** The module to register after Jackson's {@code JavaTimeModule}: it replaces that module's instant codec. */
    static SimpleModule module() {
        return new SimpleModule("emostream-fast-instants")
                .addSerializer(Instant.class, new Writer())
                .addDeserializer(Instant.class, new Reader());
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

    /** Whether {@code format} asks for anything (shape, pattern, zone, leniency, …): then Jackson's codec does it. */
    private static boolean overridden(JsonFormat.Value format) {
        return format != null && !format.equals(JsonFormat.Value.empty());
    }

    /** The fast path for the platform's own form; Jackson's deserializer for everything else. */
    static final class Reader extends StdScalarDeserializer<Instant> implements ContextualDeserializer {
        Reader() {
            super(Instant.class);
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            return overridden(findFormatOverrides(ctxt, property, Instant.class))
                    ? InstantDeserializer.INSTANT.createContextual(ctxt, property)
                    : this;
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

    /** The fast path for ISO strings in 1970–9999 (as {@link Json#MAPPER} writes dates); Jackson's serializer else. */
    static final class Writer extends StdSerializer<Instant> implements ContextualSerializer {
        Writer() {
            super(Instant.class);
        }

        @Override
        public JsonSerializer<?> createContextual(SerializerProvider prov, BeanProperty property)
                throws JsonMappingException {
            return overridden(findFormatOverrides(prov, property, Instant.class))
                    ? InstantSerializer.INSTANCE.createContextual(prov, property)
                    : this;
        }

        @Override
        public void serialize(Instant value, JsonGenerator g, SerializerProvider provider) throws IOException {
            String fast = provider.isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS) ? null : formatUtc(value);
            if (fast != null) {
                g.writeString(fast);
            } else {
                InstantSerializer.INSTANCE.serialize(value, g, provider);
            }
        }

        @Override
        public void serializeWithType(Instant value, JsonGenerator g, SerializerProvider provider, TypeSerializer ts)
                throws IOException {
            InstantSerializer.INSTANCE.serializeWithType(value, g, provider, ts);
        }
    }
}
