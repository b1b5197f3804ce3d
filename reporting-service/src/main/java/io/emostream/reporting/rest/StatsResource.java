package io.emostream.reporting.rest;

import io.emostream.reporting.EmotionStats;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.GroupBy;
import io.emostream.reporting.persistence.StatsQueries;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
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
    @Operation(summary = "Utterance counts and mean probabilities per label, grouped by hour, day, speaker or recording",
            description = "Filters as GET /utterances. Time groups come in time order (only hours or days with "
                    + "utterances); speaker and recording groups largest first.")
    @Parameter(name = "groupBy", in = ParameterIn.QUERY, description = "hour (default), day, speaker or recording")
    @Parameter(name = "timeZone", in = ParameterIn.QUERY, description = "IANA zone for hour/day buckets (default UTC)")
    @Parameter(name = "recording", in = ParameterIn.QUERY, description = "recording id")
    @Parameter(name = "speaker", in = ParameterIn.QUERY, description = "speaker")
    @Parameter(name = "label", in = ParameterIn.QUERY, description = "fused label")
    @Parameter(name = "minConfidence", in = ParameterIn.QUERY, description = "fused confidence at least (0..1)")
    @Parameter(name = "from", in = ParameterIn.QUERY, description = "event time at or after (ISO-8601)")
    @Parameter(name = "to", in = ParameterIn.QUERY, description = "event time before (ISO-8601)")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "most groups (default 100, max 10000)")
    @APIResponse(responseCode = "200", description = "the groups")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    public EmotionStats emotions(@Context UriInfo uri) throws SQLException {
        Params p = Params.of(uri, UtterancesResource.with(UtterancesResource.FILTERS, "groupBy", "timeZone", "limit"));
        GroupBy groupBy = p.choice("groupBy", GroupBy.class, GroupBy.HOUR);
        return queries.emotions(UtterancesResource.filter(p), groupBy, p.zone("timeZone"),
                p.limit("limit", config.defaultGroups(), config.maxGroups()));
    }
}
