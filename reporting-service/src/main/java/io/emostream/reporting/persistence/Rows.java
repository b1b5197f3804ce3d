package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading the per-label columns back into maps in canonical label order. */
final class Rows {

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

    /**
     * A JSONB distribution column as one float column per label ({@code speech_p_neutral}, …): PostgreSQL extracts
     * them, so reading a page allocates no JSON trees.
     */
    static String jsonColumns(String modality) {
        return String.join(", ", Emotion.ALL.stream().map(e -> "(" + modality + "_probs->>'" + e.label()
                + "')::float8 AS " + modality + "_p_" + e.label()).toList());
    }
}
