package io.emostream.reporting.persistence;

import io.emostream.reporting.Page;
import io.emostream.reporting.RecordingDetail;
import io.emostream.reporting.RecordingSummary;
import io.emostream.reporting.TimelineEntry;
import io.emostream.reporting.config.ReportingConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads recordings: filtered pages (newest first), and one recording with its summary and timeline. */
@ApplicationScoped
public class RecordingQueries {

    private static final String COLUMNS = "recording_id, state, failure_reason, failure_detail, duration_ms, "
            + "has_transcript, expected_utterances, utterance_count, speakers, dominant_emotion, mean_confidence, "
            + "first_event_time, last_event_time, started_at, updated_at";

    private final DataSource dataSource;
    private final ReportingConfig.Api config;
    private final int timeoutSeconds;

    public RecordingQueries(DataSource dataSource, ReportingConfig config) {
        this.dataSource = dataSource;
        this.config = config.api();
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    public Page<RecordingSummary> list(RecordingFilter filter, int limit, Cursor after) throws SQLException {
        Where where = filter.where();
        if (after != null) {
            where.add("(started_at, recording_id) < (?, ?)", after.time(), after.id());
        }
        String sql = "SELECT " + COLUMNS + " FROM recordings" + where.sql()
                + " ORDER BY started_at DESC, recording_id DESC LIMIT ?";
        List<RecordingSummary> items = new ArrayList<>(limit + 1);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setInt(where.bind(ps, 1), limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(summary(rs));
                }
            }
        }
        String next = null;
        if (items.size() > limit) {
            items.remove(limit);
            RecordingSummary last = items.get(limit - 1);
            next = new Cursor(last.startedAt(), last.recordingId()).encode();
        }
        return new Page<>(items, limit, next);
    }

    public Optional<RecordingDetail> detail(String recordingId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            RecordingSummary summary;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT " + COLUMNS + " FROM recordings WHERE recording_id = ?")) {
                ps.setQueryTimeout(timeoutSeconds);
                ps.setString(1, recordingId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    summary = summary(rs);
                }
            }
            Map<String, Long> counts;
            Map<String, Double> means;
            long low;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FILTER (WHERE confidence < ?) AS low"
                    + Rows.labelAggregates() + " FROM utterances WHERE recording_id = ?")) {
                ps.setQueryTimeout(timeoutSeconds);
                ps.setDouble(1, config.lowConfidence());
                ps.setString(2, recordingId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    low = rs.getLong("low");
                    counts = Rows.counts(rs, "c_");
                    means = Rows.probabilities(rs, "m_");
                }
            }
            List<TimelineEntry> timeline = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT utterance_id, idx, start_ms, end_ms, speaker, "
                    + "transcript, label, confidence, modalities, " + Rows.PROBABILITY_COLUMNS + ", "
                    + UtteranceQueries.SCORE_COLUMNS
                    + " FROM utterances WHERE recording_id = ? ORDER BY idx LIMIT ?")) {
                ps.setQueryTimeout(timeoutSeconds);
                ps.setString(1, recordingId);
                ps.setInt(2, config.maxTimeline() + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        timeline.add(new TimelineEntry(
                                rs.getString("utterance_id"),
                                rs.getInt("idx"),
                                rs.getLong("start_ms"),
                                rs.getLong("end_ms"),
                                rs.getString("speaker"),
                                rs.getString("transcript"),
                                rs.getString("label"),
                                rs.getDouble("confidence"),
                                rs.getString("modalities"),
                                Rows.probabilities(rs, "p_"),
                                UtteranceQueries.score(rs, "speech_"),
                                UtteranceQueries.score(rs, "text_")));
                    }
                }
            }
            boolean truncated = timeline.size() > config.maxTimeline();
            if (truncated) {
                timeline.remove(timeline.size() - 1);
            }
            return Optional.of(new RecordingDetail(
                    summary,
                    counts,
                    summary.utteranceCount() == 0 ? null : means,
                    low,
                    config.lowConfidence(),
                    timeline,
                    truncated));
        }
    }

    private static RecordingSummary summary(ResultSet rs) throws SQLException {
        java.sql.Array speakers = rs.getArray("speakers");
        return new RecordingSummary(
                rs.getString("recording_id"),
                rs.getString("state"),
                rs.getString("failure_reason"),
                rs.getString("failure_detail"),
                Sql.nullableLong(rs, "duration_ms"),
                Sql.nullableBoolean(rs, "has_transcript"),
                Sql.nullableInt(rs, "expected_utterances"),
                rs.getInt("utterance_count"),
                speakers == null ? List.of() : List.of((String[]) speakers.getArray()),
                rs.getString("dominant_emotion"),
                Sql.nullableDouble(rs, "mean_confidence"),
                Sql.instant(rs, "first_event_time"),
                Sql.instant(rs, "last_event_time"),
                Sql.instant(rs, "started_at"),
                Sql.instant(rs, "updated_at"));
    }
}
