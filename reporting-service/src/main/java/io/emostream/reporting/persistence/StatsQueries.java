package io.emostream.reporting.persistence;

import io.emostream.reporting.EmotionGroup;
import io.emostream.reporting.EmotionStats;
import io.emostream.reporting.config.ReportingConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Utterance counts and mean probabilities per hour, day, speaker or recording. When the query has no label or
 * confidence filter (and hour/day buckets fall on whole hours of its zone), the whole hours of the range come from
 * the hourly rollup ({@code emotion_hourly}, ~10x fewer and narrower rows) and only the partial hours at its ends
 * from the utterances; otherwise everything comes from the utterances. Both give the same numbers.
 */
@ApplicationScoped
public class StatsQueries {

    private static final Instant EARLIEST_DATA = Instant.parse("2000-01-01T00:00:00Z");

    private final DataSource dataSource;
    private final int timeoutSeconds;

    public StatsQueries(DataSource dataSource, ReportingConfig config) {
        this.dataSource = dataSource;
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    /** @param zone the time zone whose hours and days the time groups follow */
    public EmotionStats emotions(UtteranceFilter filter, GroupBy groupBy, ZoneId zone, int limit) throws SQLException {
        return emotions(filter, groupBy, zone, limit, true);
    }

    EmotionStats emotions(UtteranceFilter filter, GroupBy groupBy, ZoneId zone, int limit, boolean allowRollup)
            throws SQLException {
        String order = groupBy.isTime() ? "key ASC" : "utterances DESC, key ASC";
        List<Object> params = new ArrayList<>();
        String from = allowRollup && rollupUsable(filter, groupBy, zone)
                ? hybridSource(filter, groupBy, zone, params)
                : rawSource(groupBy, zone, params, filter.where());
        String sql = "SELECT key, sum(n) AS utterances, sum(sc) / sum(n) AS mean_conf" + partAggregates() + " FROM ("
                + from + ") parts GROUP BY key ORDER BY " + order + " LIMIT ?";
        List<EmotionGroup> groups = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            int i = 1;
            for (Object p : params) {
                ps.setObject(i++, p instanceof Instant t ? t.atOffset(java.time.ZoneOffset.UTC) : p);
            }
            ps.setInt(i, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = groupBy.isTime()
                            ? rs.getObject("key", OffsetDateTime.class)
                                    .toInstant()
                                    .toString()
                            : rs.getString("key");
                    groups.add(new EmotionGroup(
                            key,
                            rs.getLong("utterances"),
                            rs.getDouble("mean_conf"),
                            Rows.counts(rs, "c_"),
                            Rows.probabilities(rs, "m_")));
                }
            }
        }
        boolean truncated = groups.size() > limit;
        if (truncated) {
            groups.remove(groups.size() - 1);
        }
        return new EmotionStats(groupBy.name().toLowerCase(Locale.ROOT), zone.getId(), groups, limit, truncated);
    }

    /**
     * Whole hours of the range from the rollup; the partial hours at either end (if the range does not start or
     * end on an hour) from the utterances.
     */
    private static String hybridSource(UtteranceFilter f, GroupBy groupBy, ZoneId zone, List<Object> params) {
        Instant firstWhole = f.from() == null ? null : ceilHour(f.from());
        Instant endWhole = f.to() == null ? null : floorHour(f.to());
        if (firstWhole != null && endWhole != null && !firstWhole.isBefore(endWhole)) {
            return rawSource(groupBy, zone, params, f.where()); // within one hour: nothing whole to reuse
        }
        Where rollup = new Where()
                .add("recording_id = ?", f.recordingId())
                .add("speaker = ?", f.speaker())
                .add("hour >= ?", firstWhole)
                .add("hour < ?", endWhole);
        StringBuilder sql = new StringBuilder(select(
                groupBy.rollupExpression,
                "utterances AS n, sum_confidence AS sc" + Rows.eachLabel(", c_%1$s, s_%1$s"),
                "emotion_hourly",
                rollup,
                groupBy,
                zone,
                params));
        List<String> edges = new ArrayList<>();
        List<Object> edgeParams = new ArrayList<>();
        if (f.from() != null && f.from().isBefore(firstWhole)) {
            edges.add("(event_time >= ? AND event_time < ?)");
            edgeParams.add(f.from());
            edgeParams.add(firstWhole);
        }
        if (f.to() != null && endWhole.isBefore(f.to())) {
            edges.add("(event_time >= ? AND event_time < ?)");
            edgeParams.add(endWhole);
            edgeParams.add(f.to());
        }
        if (!edges.isEmpty()) {
            Where edge = new Where()
                    .add("recording_id = ?", f.recordingId())
                    .add("speaker = ?", f.speaker())
                    .add("(" + String.join(" OR ", edges) + ")", edgeParams.toArray());
            sql.append(" UNION ALL ").append(rawSource(groupBy, zone, params, edge));
        }
        return sql.toString();
    }

    /** One row per utterance, shaped like a rollup row. */
    private static String rawSource(GroupBy groupBy, ZoneId zone, List<Object> params, Where where) {
        return select(
                groupBy.expression,
                "1 AS n, confidence AS sc" + Rows.eachLabel(", (label = '%1$s')::int AS c_%1$s, p_%1$s AS s_%1$s"),
                "utterances",
                where,
                groupBy,
                zone,
                params);
    }

    /** {@code SELECT <key> AS key, <columns> FROM <table> WHERE …}; adds its parameters (a time key's zone first). */
    private static String select(
            String key, String columns, String table, Where where, GroupBy groupBy, ZoneId zone, List<Object> params) {
        if (groupBy.isTime()) {
            params.add(zone.getId());
        }
        where.addParams(params);
        return "SELECT " + key + " AS key, " + columns + " FROM " + table + where.sql();
    }

    /** Whether the hourly rollup can serve this query (for its whole hours): no per-utterance filter, and hour or
     * day buckets of a zone whose offsets are whole hours. */
    static boolean rollupUsable(UtteranceFilter f, GroupBy groupBy, ZoneId zone) {
        if (f.label() != null || f.minConfidence() != null) {
            return false;
        }
        return !groupBy.isTime()
                || wholeHourOffsets(
                        zone,
                        f.from() != null ? f.from() : EARLIEST_DATA,
                        f.to() != null ? f.to() : Instant.now().plus(Duration.ofDays(366)));
    }

    private static Instant floorHour(Instant t) {
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), 3600) * 3600);
    }

    private static Instant ceilHour(Instant t) {
        Instant floor = floorHour(t);
        return floor.equals(t) ? floor : floor.plusSeconds(3600);
    }

    /** Whether every offset {@code zone} has between two instants is a whole number of hours. */
    static boolean wholeHourOffsets(ZoneId zone, Instant from, Instant to) {
        ZoneRules rules = zone.getRules();
        if (rules.getOffset(from).getTotalSeconds() % 3600 != 0) {
            return false;
        }
        for (ZoneOffsetTransition t = rules.nextTransition(from);
                t != null && t.getInstant().isBefore(to);
                t = rules.nextTransition(t.getInstant())) {
            if (t.getOffsetAfter().getTotalSeconds() % 3600 != 0) {
                return false;
            }
        }
        return true;
    }

    private static String partAggregates() {
        return Rows.eachLabel(", sum(c_%1$s) AS c_%1$s") + Rows.eachLabel(", sum(s_%1$s) / sum(n) AS m_%1$s");
    }
}
