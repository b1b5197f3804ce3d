package io.emostream.reporting.persistence;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A WHERE clause built from fixed SQL fragments; every user value is a bound parameter, never SQL text. */
final class Where {

    private final List<String> clauses = new ArrayList<>();
    private final List<Object> params = new ArrayList<>();

    /** Adds {@code clause} (with one {@code ?} per value) when the first value is non-null. */
    Where add(String clause, Object... values) {
        if (values.length == 0 || values[0] != null) {
            clauses.add(clause);
            for (Object v : values) {
                params.add(v instanceof Instant t ? t.atOffset(ZoneOffset.UTC) : v);
            }
        }
        return this;
    }

    String sql() {
        return clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses);
    }

    /** Appends this clause's parameters, in order, to {@code out}. */
    void addParams(List<Object> out) {
        out.addAll(params);
    }

    /** Binds the parameters from index {@code first}; returns the next free index. */
    int bind(PreparedStatement ps, int first) throws SQLException {
        int i = first;
        for (Object p : params) {
            ps.setObject(i++, p);
        }
        return i;
    }
}
