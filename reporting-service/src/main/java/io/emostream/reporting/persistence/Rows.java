package io.emostream.reporting.persistence;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emostream.contracts.Emotion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading the per-label columns and JSON distributions back into maps in canonical label order. */
final class Rows {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Double>> MAP = new TypeReference<>() {
    };

    /** The fused probability columns, e.g. {@code p_neutral}, as {"neutral": …}. */
    static final String PROBABILITY_COLUMNS = String.join(", ",
            Emotion.ALL.stream().map(e -> "p_" + e.label()).toList());

    private Rows() {
    }

    static Map<String, Double> probabilities(ResultSet rs, String prefix) throws SQLException {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Emotion e : Emotion.ALL) {
            m.put(e.label(), rs.getDouble(prefix + e.label()));
        }
        return m;
    }

    static Map<String, Long> counts(ResultSet rs, String prefix) throws SQLException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Emotion e : Emotion.ALL) {
            m.put(e.label(), rs.getLong(prefix + e.label()));
        }
        return m;
    }

    /** {@code count(*) FILTER (WHERE label = 'x') AS c_x, …, avg(p_x) AS m_x, …} */
    static String labelAggregates() {
        StringBuilder sb = new StringBuilder();
        for (Emotion e : Emotion.ALL) {
            sb.append(", count(*) FILTER (WHERE label = '").append(e.label()).append("') AS c_").append(e.label());
        }
        for (Emotion e : Emotion.ALL) {
            sb.append(", avg(p_").append(e.label()).append(") AS m_").append(e.label());
        }
        return sb.toString();
    }

    static Map<String, Double> json(String s) {
        if (s == null) {
            return null;
        }
        try {
            Map<String, Double> parsed = JSON.readValue(s, MAP);
            Map<String, Double> canonical = new LinkedHashMap<>(); // jsonb keeps its keys in its own order
            for (Emotion e : Emotion.ALL) {
                canonical.put(e.label(), parsed.getOrDefault(e.label(), 0.0));
            }
            return canonical;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
