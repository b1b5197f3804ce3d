package io.emostream.reporting.rest;

import io.emostream.contracts.UtteranceId;
import io.emostream.reporting.Page;
import io.emostream.reporting.RecordingDetail;
import io.emostream.reporting.RecordingSummary;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.RecordingQueries;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.sql.SQLException;

@Path("/recordings")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "recordings")
public class RecordingsResource {

    private final RecordingQueries queries;
    private final ReportingConfig.Api config;

    public RecordingsResource(RecordingQueries queries, ReportingConfig config) {
        this.queries = queries;
        this.config = config.api();
    }

    @GET
    @Operation(
            summary = "List recordings, newest first",
            description = "Keyset-paged by start time, then recording id (descending).")
    @APIResponse(responseCode = "200", description = "a page of recordings")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    public Page<RecordingSummary> list(@BeanParam RecordingFilterParams filter, @BeanParam PageParams page)
            throws SQLException {
        return queries.list(filter.filter(config.lowConfidence()), page.limit(config), page.cursor());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One recording: status, emotion summary and utterance timeline")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "recording id")
    @APIResponse(responseCode = "200", description = "the recording")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = ReportingApi.REF + ReportingApi.NOT_FOUND)
    public RecordingDetail get(@PathParam("id") String id) throws SQLException {
        UtteranceId.recordingIdProblem(id).ifPresent(problem -> {
            throw ProblemException.invalidParameter("id", problem);
        });
        return queries.detail(id).orElseThrow(() -> ProblemException.notFound("no recording '" + id + "'"));
    }
}
