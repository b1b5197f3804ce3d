package io.emostream.reporting.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Small conversions between Java values and what PostgreSQL accepts. */
final class Sql {

    private Sql() {}

    /** PostgreSQL text cannot hold NUL characters: one in a transcript would otherwise fail the whole batch. */
    static String text(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }

    static String instant(Instant t) {
        return t == null ? null : t.toString();
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        return orNull(rs, rs.getDouble(column));
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        return orNull(rs, rs.getLong(column));
    }

    static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        return orNull(rs, rs.getInt(column));
    }

    static Boolean nullableBoolean(ResultSet rs, String column) throws SQLException {
        return orNull(rs, rs.getBoolean(column));
    }

    /** The value just read, or null when its column was SQL NULL (JDBC reads those as 0 or false). */
    private static <T> T orNull(ResultSet rs, T value) throws SQLException {
        return rs.wasNull() ? null : value;
    }
}
