package io.emostream.reporting.rest;

import io.emostream.reporting.EmotionStats;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.GroupBy;
import io.emostream.reporting.persistence.StatsQueries;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.sql.SQLException;

@Path("/stats")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "stats")
public class StatsResource {

    private final StatsQueries queries;
    private final ReportingConfig.Api config;

    public StatsResource(StatsQueries queries, ReportingConfig config) {
        this.queries = queries;
        this.config = config.api();
    }

    @GET
    @Path("/emotions")
    @Operation(
            summary = "Utterance counts and mean probabilities per label, grouped by hour, day, speaker or recording",
            description = "Filters as GET /utterances. Time groups come in time order (only hours or days with "
                    + "utterances); speaker and recording groups largest first.")
    @APIResponse(responseCode = "200", description = "the groups")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    public EmotionStats emotions(@BeanParam UtteranceFilterParams filter, @BeanParam StatsParams stats)
            throws SQLException {
        GroupBy groupBy = stats.groupBy();
        return queries.emotions(filter.filter(), groupBy, stats.timeZone(), stats.limit(config));
    }
}
