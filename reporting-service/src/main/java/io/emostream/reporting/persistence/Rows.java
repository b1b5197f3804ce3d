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
    static final String PROBABILITY_COLUMNS =
            String.join(", ", Emotion.ALL.stream().map(e -> "p_" + e.label()).toList());

    /** The canonical labels, computed once ({@link Emotion#label()} builds a new string on every call). */
    static final String[] LABELS = Emotion.ALL.stream().map(Emotion::label).toArray(String[]::new);

    /** Column names per prefix, so reading a row builds no strings. */
    private static final Map<String, String[]> COLUMNS = new ConcurrentHashMap<>();

    private Rows() {}

    private static String[] columns(String prefix) {
        return COLUMNS.computeIfAbsent(
                prefix, p -> java.util.Arrays.stream(LABELS).map(l -> p + l).toArray(String[]::new));
    }

    static Map<String, Double> probabilities(ResultSet rs, String prefix) throws SQLException {
        return perLabel(rs, prefix, ResultSet::getDouble);
    }

    static Map<String, Long> counts(ResultSet rs, String prefix) throws SQLException {
        return perLabel(rs, prefix, ResultSet::getLong);
    }

    private interface Column<T> {
        T read(ResultSet rs, String column) throws SQLException;
    }

    private static <T> Map<String, T> perLabel(ResultSet rs, String prefix, Column<T> column) throws SQLException {
        String[] columns = columns(prefix);
        Map<String, T> m = new LinkedHashMap<>(16);
        for (int i = 0; i < LABELS.length; i++) {
            m.put(LABELS[i], column.read(rs, columns[i]));
        }
        return m;
    }

    /** {@code count(*) FILTER (WHERE label = 'x') AS c_x, …, avg(p_x) AS m_x, …} */
    static String labelAggregates() {
        return eachLabel(", count(*) FILTER (WHERE label = '%1$s') AS c_%1$s") + eachLabel(", avg(p_%1$s) AS m_%1$s");
    }

    /** A SQL fragment once per canonical label, in canonical order; {@code %1$s} in {@code format} is the label. */
    static String eachLabel(String format) {
        StringBuilder sb = new StringBuilder();
        for (String label : LABELS) {
            sb.append(format.formatted(label));
        }
        return sb.toString();
    }

    /**
     * A JSONB distribution column as one float column per label ({@code speech_p_neutral}, …): PostgreSQL extracts
     * them, so reading a page allocates no JSON trees.
     */
    static String jsonColumns(String modality) {
        return String.join(
                ", ",
                Emotion.ALL.stream()
                        .map(e -> "(" + modality + "_probs->>'" + e.label() + "')::float8 AS " + modality + "_p_"
                                + e.label())
                        .toList());
    }
}
