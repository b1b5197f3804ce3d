package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reading the per-label columns back into maps in canonical label order. */
final class Rows {

    /** The fused probability columns, e.g. {@code p_neutral}, as {"neutral": …}. */
    static final String PROBABILITY_COLUMNS = String.join(", ",
            Emotion.ALL.stream().map(e -> "p_" + e.label()).toList());

    /** The canonical labels, computed once ({@link Emotion#label()} builds a new string on every call). */
    static final String[] LABELS = Emotion.ALL.stream().map(Emotion::label).toArray(String[]::new);

    /** Column names per prefix, so reading a row builds no strings. */
    private static final Map<String, String[]> COLUMNS = new ConcurrentHashMap<>();

    private Rows() {
    }

    private static String[] columns(String prefix) {
        return COLUMNS.computeIfAbsent(prefix, p -> java.util.Arrays.stream(LABELS).map(l -> p + l)
                .toArray(String[]::new));
    }

    static Map<String, Double> probabilities(ResultSet rs, String prefix) throws SQLException {
        String[] columns = columns(prefix);
        Map<String, Double> m = new LinkedHashMap<>(16);
        for (int i = 0; i < LABELS.length; i++) {
            m.put(LABELS[i], rs.getDouble(columns[i]));
        }
        return m;
    }

    static Map<String, Long> counts(ResultSet rs, String prefix) throws SQLException {
        String[] columns = columns(prefix);
        Map<String, Long> m = new LinkedHashMap<>(16);
        for (int i = 0; i < LABELS.length; i++) {
            m.put(LABELS[i], rs.getLong(columns[i]));
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
