package io.emostream.reporting.rest;

import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.GroupBy;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import java.time.ZoneId;

/** How {@code GET /stats/emotions} groups: {@code groupBy}, {@code timeZone} and the most groups. */
public class StatsParams {

    @QueryParam("groupBy")
    @Parameter(description = "hour (default), day, speaker or recording")
    String groupBy;

    @QueryParam("timeZone")
    @Parameter(description = "IANA zone for hour/day buckets (default UTC)")
    String timeZone;

    @QueryParam("limit")
    @Parameter(description = "most groups (default 100, max 10000)")
    String limit;

    GroupBy groupBy() {
        return Params.choice("groupBy", groupBy, GroupBy.class, GroupBy.HOUR);
    }

    ZoneId timeZone() {
        return Params.zone("timeZone", timeZone);
    }

    int limit(ReportingConfig.Api config) {
        return Params.limit("limit", limit, config.defaultGroups(), config.maxGroups());
    }
}
