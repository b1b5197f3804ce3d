package io.emostream.reporting.rest;

import io.emostream.reporting.Page;
import io.emostream.reporting.RecordingDetail;
import io.emostream.reporting.RecordingSummary;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.RecordingFilter;
import io.emostream.reporting.persistence.RecordingQueries;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.UtteranceId;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
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
import java.time.Instant;

@Path("/recordings")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "recordings")
public class RecordingsResource {

    /** Longest search text: a recording id is at most 128 characters. */
    static final int MAX_SEARCH = 128;

    private final RecordingQueries queries;
    private final ReportingConfig.Api config;

    public RecordingsResource(RecordingQueries queries, ReportingConfig config) {
        this.queries = queries;
        this.config = config.api();
    }

    @GET
    @Operation(summary = "List recordings, newest first",
            description = "Keyset-paged by start time, then recording id (descending).")
    @Parameter(name = "from", in = ParameterIn.QUERY, description = "recordings started at or after (ISO-8601)")
    @Parameter(name = "to", in = ParameterIn.QUERY, description = "recordings started before (ISO-8601)")
    @Parameter(name = "emotion", in = ParameterIn.QUERY, description = "dominant emotion label, e.g. angry")
    @Parameter(name = "speaker", in = ParameterIn.QUERY, description = "recordings in which this speaker speaks")
    @Parameter(name = "state", in = ParameterIn.QUERY,
            description = "ingest state: accepted, awaiting_transcript, segmented or failed")
    @Parameter(name = "search", in = ParameterIn.QUERY, description = "recordings whose id contains this text "
            + "(ignoring case)")
    @Parameter(name = "lowConfidence", in = ParameterIn.QUERY, description = "true: only recordings with at least "
            + "one utterance under the low-confidence threshold (the lowConfidenceThreshold of GET /recordings/{id})")
    @Parameter(name = "limit", in = ParameterIn.QUERY, description = "page size (default 50, max 500)")
    @Parameter(name = "cursor", in = ParameterIn.QUERY, description = "nextCursor of the previous page")
    @APIResponse(responseCode = "200", description = "a page of recordings")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    public Page<RecordingSummary> list(@Context UriInfo uri) throws SQLException {
        Params p = Params.of(uri, "from", "to", "emotion", "speaker", "state", "search", "lowConfidence", "limit",
                "cursor");
        Instant from = p.instant("from");
        Instant to = p.instant("to");
        Params.range(from, to);
        RecordingStatus.State state = p.choice("state", RecordingStatus.State.class, null);
        String search = p.raw("search");
        if (search != null && search.length() > MAX_SEARCH) {
            throw ProblemException.invalidParameter("search", "'search' is longer than a recording id ("
                    + MAX_SEARCH + " characters)");
        }
        RecordingFilter filter = new RecordingFilter(from, to, p.emotion("emotion"), p.speaker("speaker"),
                state == null ? null : state.name(), search,
                p.flag("lowConfidence") ? config.lowConfidence() : null);
        return queries.list(filter, p.limit("limit", config.defaultPageSize(), config.maxPageSize()),
                p.cursor("cursor"));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One recording: status, emotion summary and utterance timeline")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "recording id")
    @APIResponse(responseCode = "200", description = "the recording")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = ReportingApi.REF + ReportingApi.NOT_FOUND)
    public RecordingDetail get(@PathParam("id") String id, @Context UriInfo uri) throws SQLException {
        Params.of(uri);
        UtteranceId.recordingIdProblem(id).ifPresent(problem -> {
            throw ProblemException.invalidParameter("id", problem);
        });
        return queries.detail(id).orElseThrow(() -> ProblemException.notFound("no recording '" + id + "'"));
    }
}
