package io.emostream.reporting.persistence;

import io.emostream.reporting.ModelScore;
import io.emostream.reporting.Page;
import io.emostream.reporting.Utterance;
import io.emostream.reporting.config.ReportingConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads utterances: filtered pages in event-time order, one by id, or an export streamed in keyset pages. */
@ApplicationScoped
public class UtteranceQueries {

    /** Each input model's score: what {@link #score} reads. */
    static final String SCORE_COLUMNS = "speech_model, speech_model_version, speech_label, speech_confidence, "
            + "speech_scored_at, " + Rows.jsonColumns("speech") + ", text_model, text_model_version, text_label, "
            + "text_confidence, text_scored_at, text_dimensions::text AS text_dimensions, " + Rows.jsonColumns("text");

    static final String COLUMNS = "utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript, label, "
            + "confidence, " + Rows.PROBABILITY_COLUMNS + ", modalities, fusion_mode, speech_weight, text_weight, "
            + SCORE_COLUMNS + ", correction, event_time, fused_at, ingested_at, updated_at, trace_id";

    /** Receives exported rows one at a time. */
    public interface RowSink {
        void accept(Utterance u) throws java.io.IOException;
    }

    private final DataSource dataSource;
    private final int timeoutSeconds;

    public UtteranceQueries(DataSource dataSource, ReportingConfig config) {
        this.dataSource = dataSource;
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    public Page<Utterance> list(UtteranceFilter filter, SortOrder order, int limit, Cursor after) throws SQLException {
        List<Utterance> items = select(filter, order, limit + 1, after);
        String next = null;
        if (items.size() > limit) {
            items.remove(limit);
            next = cursorAfter(items.get(limit - 1)).encode();
        }
        return new Page<>(items, limit, next);
    }

    /** Up to {@code limit} matches strictly after {@code after} in the export/list order, on one pooled connection. */
    private List<Utterance> select(UtteranceFilter filter, SortOrder order, int limit, Cursor after)
            throws SQLException {
        Where where = filter.where();
        if (after != null) {
            where.add("(event_time, utterance_id) " + order.after() + " (?, ?)", after.time(), after.id());
        }
        String sql = "SELECT " + COLUMNS + " FROM utterances" + where.sql() + " ORDER BY event_time " + order.sql()
                + ", utterance_id " + order.sql() + " LIMIT ?";
        List<Utterance> items = new ArrayList<>(Math.min(limit, 10_000));
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setInt(where.bind(ps, 1), limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(map(rs));
                }
            }
        }
        return items;
    }

    private static Cursor cursorAfter(Utterance u) {
        return new Cursor(u.eventTime(), u.utteranceId());
    }

    public Optional<Utterance> find(String utteranceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + COLUMNS + " FROM utterances WHERE utterance_id = ?")) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, utteranceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /**
     * How many utterances match, counting no further than {@code cap} (so the count of a huge match stays cheap and
     * bounded by the statement timeout): the export's size check before it starts streaming.
     */
    public long countUpTo(UtteranceFilter filter, long cap) throws SQLException {
        Where where = filter.where();
        String sql = "SELECT count(*) FROM (SELECT 1 FROM utterances" + where.sql() + " LIMIT ?) AS matches";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setLong(where.bind(ps, 1), cap);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Streams every matching utterance (at most {@code maxRows}) to {@code sink} in keyset pages of
     * {@code pageSize}: each page is one short statement in autocommit on a pooled connection, released before the
     * page is written out, so a slow client never holds a connection or a transaction and memory stays flat. The
     * keyset (event time, utterance id) is unique, so pages neither repeat nor skip a row; rows changed while the
     * export runs appear in it if they sort after the current page. Returns the number of rows.
     */
    public long export(UtteranceFilter filter, SortOrder order, int maxRows, int pageSize, RowSink sink)
            throws SQLException, java.io.IOException {
        long n = 0;
        Cursor after = null;
        while (n < maxRows) {
            int want = (int) Math.min(pageSize, maxRows - n);
            List<Utterance> page = select(filter, order, want, after);
            for (Utterance u : page) {
                sink.accept(u);
            }
            n += page.size();
            if (page.size() < want) {
                break;
            }
            after = cursorAfter(page.get(page.size() - 1));
        }
        return n;
    }

    static Utterance map(ResultSet rs) throws SQLException {
        return new Utterance(
                rs.getString("utterance_id"),
                rs.getString("recording_id"),
                rs.getInt("idx"),
                rs.getLong("start_ms"),
                rs.getLong("end_ms"),
                rs.getString("speaker"),
                rs.getString("transcript"),
                rs.getString("label"),
                rs.getDouble("confidence"),
                Rows.probabilities(rs, "p_"),
                rs.getString("modalities"),
                rs.getString("fusion_mode"),
                rs.getDouble("speech_weight"),
                rs.getDouble("text_weight"),
                score(rs, "speech_"),
                score(rs, "text_"),
                rs.getBoolean("correction"),
                Sql.instant(rs, "event_time"),
                Sql.instant(rs, "fused_at"),
                Sql.instant(rs, "ingested_at"),
                Sql.instant(rs, "updated_at"),
                rs.getString("trace_id"));
    }

    static ModelScore score(ResultSet rs, String prefix) throws SQLException {
        String model = rs.getString(prefix + "model");
        if (model == null) {
            return null;
        }
        String dimensions = "text_".equals(prefix) ? rs.getString("text_dimensions") : null;
        return new ModelScore(
                model,
                rs.getString(prefix + "model_version"),
                rs.getString(prefix + "label"),
                Sql.nullableDouble(rs, prefix + "confidence"),
                Rows.probabilities(rs, prefix + "p_"),
                Sql.instant(rs, prefix + "scored_at"),
                dimensions == null ? null : SinkWriter.readDimensions(dimensions));
    }
}
