package io.emostream.reporting.rest;

import io.emostream.contracts.Emotion;
import io.emostream.contracts.UtteranceId;
import io.emostream.reporting.persistence.Cursor;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict query parameters: every value is parsed here (never by JAX-RS, whose conversion errors surface as 404),
 * and an unknown, repeated or malformed parameter is a 400 naming it, so a typo never silently widens a query.
 */
final class Params {

    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();
    static final int MAX_SPEAKER = 256;
    static final ZoneId UTC = ZoneId.of("UTC");

    private final MultivaluedMap<String, String> values;

    private Params(MultivaluedMap<String, String> values) {
        this.values = values;
    }

    static Params of(UriInfo uri, String... allowed) {
        MultivaluedMap<String, String> values = uri.getQueryParameters();
        List<String> known = Arrays.asList(allowed);
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw ProblemException.invalidParameter(name, "unknown query parameter '" + name + "'; allowed: "
                        + new TreeSet<>(known));
            }
            if (values.get(name).size() > 1) {
                throw ProblemException.invalidParameter(name, "query parameter '" + name + "' is given more than once");
            }
        }
        return new Params(values);
    }

    /** The raw value, or null when absent; an empty value is an error. */
    String raw(String name) {
        String v = values.getFirst(name);
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw ProblemException.invalidParameter(name, "'" + name + "' must not be empty");
        }
        return v.trim();
    }

    String speaker(String name) {
        String v = raw(name);
        if (v != null && v.length() > MAX_SPEAKER) {
            throw ProblemException.invalidParameter(name, "'" + name + "' is longer than " + MAX_SPEAKER + " characters");
        }
        return v;
    }

    String recordingId(String name) {
        String v = raw(name);
        if (v != null) {
            UtteranceId.recordingIdProblem(v).ifPresent(problem -> {
                throw ProblemException.invalidParameter(name, problem);
            });
        }
        return v;
    }

    /** An ISO-8601 instant ({@code 2026-11-22T10:00:00Z}, an offset like {@code +01:00}, or a UTC date). */
    Instant instant(String name) {
        String v = raw(name);
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

    Emotion emotion(String name) {
        String v = raw(name);
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

    Double probability(String name) {
        String v = raw(name);
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
    boolean flag(String name) {
        String v = raw(name);
        if (v == null || v.equalsIgnoreCase("false")) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        throw ProblemException.invalidParameter(name, "'" + name + "' must be true or false, got '" + v + "'");
    }

    int limit(String name, int dflt, int max) {
        String v = raw(name);
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

    Cursor cursor(String name) {
        String v = raw(name);
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
    <E extends Enum<E>> E choice(String name, Class<E> type, E dflt) {
        String v = raw(name);
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
    ZoneId zone(String name) {
        String v = raw(name);
        if (v == null) {
            return UTC;
        }
        if (!ZONES.contains(v)) {
            throw ProblemException.invalidParameter(name, "'" + v + "' is not an IANA time zone (e.g. UTC, Europe/Paris)");
        }
        return ZoneId.of(v);
    }
}
