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
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Utterance counts and mean probabilities per hour, day, speaker or recording. */
@ApplicationScoped
public class StatsQueries {

    private final DataSource dataSource;
    private final int timeoutSeconds;

    public StatsQueries(DataSource dataSource, ReportingConfig config) {
        this.dataSource = dataSource;
        this.timeoutSeconds = (int) Math.max(1, config.api().queryTimeout().toSeconds());
    }

    /** @param zone the time zone whose hours and days the time groups follow */
    public EmotionStats emotions(UtteranceFilter filter, GroupBy groupBy, ZoneId zone, int limit) throws SQLException {
        Where where = filter.where();
        String order = groupBy.isTime() ? "key ASC" : "utterances DESC, key ASC";
        String sql = "SELECT " + groupBy.expression + " AS key, count(*) AS utterances, avg(confidence) AS mean_conf"
                + Rows.labelAggregates() + " FROM utterances" + where.sql() + " GROUP BY 1 ORDER BY " + order
                + " LIMIT ?";
        List<EmotionGroup> groups = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            int i = 1;
            if (groupBy.isTime()) {
                ps.setString(i++, zone.getId());
            }
            ps.setInt(where.bind(ps, i), limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = groupBy.isTime()
                            ? rs.getObject("key", OffsetDateTime.class).toInstant().toString()
                            : rs.getString("key");
                    groups.add(new EmotionGroup(key, rs.getLong("utterances"), rs.getDouble("mean_conf"),
                            Rows.counts(rs, "c_"), Rows.probabilities(rs, "m_")));
                }
            }
        }
        boolean truncated = groups.size() > limit;
        if (truncated) {
            groups.remove(groups.size() - 1);
        }
        return new EmotionStats(groupBy.name().toLowerCase(Locale.ROOT), zone.getId(), groups, limit, truncated);
    }
}
