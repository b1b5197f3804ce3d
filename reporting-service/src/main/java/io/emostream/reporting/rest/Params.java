package io.emostream.reporting.rest;

import io.emostream.contracts.Emotion;
import io.emostream.contracts.UtteranceId;
import io.emostream.reporting.persistence.Cursor;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The value rules of the query parameters. The bean parameter classes ({@link PageParams},
 * {@link UtteranceFilterParams}, …) take every value as a String, never converted by JAX-RS (whose conversion errors
 * surface as 404), and parse it here: a malformed value is a 400 naming the parameter. Unknown, repeated and empty
 * parameters are refused before, by {@link StrictQueryFilter}.
 */
final class Params {

    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();
    static final int MAX_SPEAKER = 256;
    static final ZoneId UTC = ZoneId.of("UTC");

    private Params() {
    }

    /** The value without surrounding blanks, or null when absent ({@link StrictQueryFilter} refused empty ones). */
    static String raw(String value) {
        return value == null ? null : value.trim();
    }

    static String speaker(String name, String value) {
        String v = raw(value);
        if (v != null && v.length() > MAX_SPEAKER) {
            throw ProblemException.invalidParameter(name, "'" + name + "' is longer than " + MAX_SPEAKER + " characters");
        }
        return v;
    }

    static String recordingId(String name, String value) {
        String v = raw(value);
        if (v != null) {
            UtteranceId.recordingIdProblem(v).ifPresent(problem -> {
                throw ProblemException.invalidParameter(name, problem);
            });
        }
        return v;
    }

    /** An ISO-8601 instant ({@code 2026-11-22T10:00:00Z}, an offset like {@code +01:00}, or a UTC date). */
    static Instant instant(String name, String value) {
        String v = raw(value);
        if (v == null) {
            return null;
        }
        try {
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeException e) {
            throw ProblemException.invalidParameter(name, "'" + name + "' is not an ISO-8601 time: '" + v
                    + "' (e.g. 2026-11-22T10:00:00Z, 2026-11-22T11:00:00+01:00 or 2026-11-22)");
        }
    }

    /** Checks that a time range is not empty or reversed. */
    static void range(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw ProblemException.invalidParameter("to", "'to' (" + to + ") must be after 'from' (" + from + ")");
        }
    }

    static Emotion emotion(String name, String value) {
        String v = raw(value);
        if (v == null) {
            return null;
        }
        try {
            return Emotion.fromLabel(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidParameter(name, "'" + v + "' is not an emotion label; one of "
                    + Emotion.ALL.stream().map(Emotion::label).toList());
        }
    }

    static Double probability(String name, String value) {
        String v = raw(value);
        if (v == null) {
            return null;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        if (!(d >= 0 && d <= 1)) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must be a number from 0 to 1, got '" + v + "'");
        }
        return d;
    }

    /** {@code true} or {@code false} (absent: false). */
    static boolean flag(String name, String value) {
        String v = raw(value);
        if (v == null || v.equalsIgnoreCase("false")) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        throw ProblemException.invalidParameter(name, "'" + name + "' must be true or false, got '" + v + "'");
    }

    static int limit(String name, String value, int dflt, int max) {
        String v = raw(value);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must be a whole number, got '" + v + "'");
        }
        if (n < 1 || n > max) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must be from 1 to " + max + ", got " + n);
        }
        return (int) n;
    }

    static Cursor cursor(String name, String value) {
        String v = raw(value);
        if (v == null) {
            return null;
        }
        try {
            return Cursor.decode(v);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidParameter(name, "'" + name + "' is " + e.getMessage()
                    + "; pass the nextCursor of the previous page");
        }
    }

    /** One of the constants of {@code type}, case-insensitive. */
    static <E extends Enum<E>> E choice(String name, String value, Class<E> type, E dflt) {
        String v = raw(value);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must be one of "
                    + Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList()
                    + ", got '" + v + "'");
        }
    }

    /** An IANA time zone name such as {@code UTC} or {@code Europe/Paris}. */
    static ZoneId zone(String name, String value) {
        String v = raw(value);
        if (v == null) {
            return UTC;
        }
        if (!ZONES.contains(v)) {
            throw ProblemException.invalidParameter(name, "'" + v + "' is not an IANA time zone (e.g. UTC, Europe/Paris)");
        }
        return ZoneId.of(v);
    }
}
