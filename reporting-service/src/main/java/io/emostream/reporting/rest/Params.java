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
import java.util.function.BiFunction;
import java.util.function.Function;

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

    private Params() {}

    /** The value without surrounding blanks, or null when absent ({@link StrictQueryFilter} refused empty ones). */
    static String raw(String value) {
        return value == null ? null : value.trim();
    }

    static String speaker(String name, String value) {
        String v = raw(value);
        if (v != null && v.length() > MAX_SPEAKER) {
            throw ProblemException.invalidParameter(
                    name, "'" + name + "' is longer than " + MAX_SPEAKER + " characters");
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
        return parse(
                name,
                value,
                null,
                v -> v.length() == 10
                        ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant()
                        : OffsetDateTime.parse(v).toInstant(),
                (v, e) -> "'" + name + "' is not an ISO-8601 time: '" + v
                        + "' (e.g. 2026-11-22T10:00:00Z, 2026-11-22T11:00:00+01:00 or 2026-11-22)");
    }

    /** Checks that a time range is not empty or reversed. */
    static void range(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw ProblemException.invalidParameter("to", "'to' (" + to + ") must be after 'from' (" + from + ")");
        }
    }

    static Emotion emotion(String name, String value) {
        return parse(
                name,
                value,
                null,
                Emotion::fromLabel,
                (v, e) -> "'" + v + "' is not an emotion label; one of "
                        + Emotion.ALL.stream().map(Emotion::label).toList());
    }

    static Double probability(String name, String value) {
        return parse(
                name,
                value,
                null,
                v -> {
                    double d = Double.parseDouble(v);
                    if (!(d >= 0 && d <= 1)) { // also NaN
                        throw new IllegalArgumentException();
                    }
                    return d;
                },
                (v, e) -> "'" + name + "' must be a number from 0 to 1, got '" + v + "'");
    }

    /** {@code true} or {@code false} (absent: false). */
    static boolean flag(String name, String value) {
        return parse(
                name,
                value,
                false,
                v -> switch (v.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException();
                },
                (v, e) -> "'" + name + "' must be true or false, got '" + v + "'");
    }

    static int limit(String name, String value, int dflt, int max) {
        Long n = parse(
                name, value, null, Long::valueOf, (v, e) -> "'" + name + "' must be a whole number, got '" + v + "'");
        if (n == null) {
            return dflt;
        }
        if (n < 1 || n > max) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must be from 1 to " + max + ", got " + n);
        }
        return n.intValue();
    }

    static Cursor cursor(String name, String value) {
        return parse(
                name,
                value,
                null,
                Cursor::decode,
                (v, e) -> "'" + name + "' is " + e.getMessage() + "; pass the nextCursor of the previous page");
    }

    /** One of the constants of {@code type}, case-insensitive. */
    static <E extends Enum<E>> E choice(String name, String value, Class<E> type, E dflt) {
        return parse(
                name,
                value,
                dflt,
                v -> Enum.valueOf(type, v.toUpperCase(Locale.ROOT)),
                (v, e) -> "'" + name + "' must be one of "
                        + Arrays.stream(type.getEnumConstants())
                                .map(c -> c.name().toLowerCase(Locale.ROOT))
                                .toList()
                        + ", got '" + v + "'");
    }

    /** An IANA time zone name such as {@code UTC} or {@code Europe/Paris}. */
    static ZoneId zone(String name, String value) {
        return parse(
                name,
                value,
                UTC,
                v -> {
                    if (!ZONES.contains(v)) { // ZoneId.of would also take offsets such as +01:00
                        throw new DateTimeException(v);
                    }
                    return ZoneId.of(v);
                },
                (v, e) -> "'" + v + "' is not an IANA time zone (e.g. UTC, Europe/Paris)");
    }

    /**
     * {@code absent} without a value, else the value (trimmed) read by {@code read}; a value it refuses with an
     * IllegalArgumentException or a DateTimeException is a 400 whose detail {@code problem} words from the value.
     */
    private static <T> T parse(
            String name,
            String value,
            T absent,
            Function<String, T> read,
            BiFunction<String, RuntimeException, String> problem) {
        String v = raw(value);
        if (v == null) {
            return absent;
        }
        try {
            return read.apply(v);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw ProblemException.invalidParameter(name, problem.apply(v, e));
        }
    }
}
