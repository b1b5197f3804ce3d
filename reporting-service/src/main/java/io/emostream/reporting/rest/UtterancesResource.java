package io.emostream.reporting.rest;

import io.emostream.contracts.UtteranceId;
import io.emostream.reporting.Page;
import io.emostream.reporting.Utterance;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.SortOrder;
import io.emostream.reporting.persistence.UtteranceFilter;
import io.emostream.reporting.persistence.UtteranceQueries;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

@Path("/utterances")
@Tag(name = "utterances")
public class UtterancesResource {

    private final UtteranceQueries queries;
    private final ReportingConfig.Api config;

    public UtterancesResource(UtteranceQueries queries, ReportingConfig config) {
        this.queries = queries;
        this.config = config.api();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "List utterances with their fused emotion and the speech/text scores behind it",
            description = "Keyset-paged by event time, then utterance id (newest first unless order=asc).")
    @APIResponse(responseCode = "200", description = "a page of utterances")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    public Page<Utterance> list(
            @BeanParam UtteranceFilterParams filter, @BeanParam OrderParams order, @BeanParam PageParams page)
            throws SQLException {
        return queries.list(filter.filter(), order.order(), page.limit(config), page.cursor());
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One utterance (URL-encode the '#' of its id as %23)")
    @Parameter(name = "id", in = ParameterIn.PATH, description = "utterance id <recording-id>#<index>")
    @APIResponse(responseCode = "200", description = "the utterance")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    @APIResponse(responseCode = "404", ref = ReportingApi.REF + ReportingApi.NOT_FOUND)
    public Utterance get(@PathParam("id") String id) throws SQLException {
        try {
            UtteranceId.parse(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidParameter("id", e.getMessage());
        }
        return queries.find(id).orElseThrow(() -> ProblemException.notFound("no utterance '" + id + "'"));
    }

    /** Response header set when an export stops at the request's {@code limit} while more rows match. */
    static final String TRUNCATED_HEADER = "X-Export-Truncated";

    @GET
    @Path("/export.csv")
    @Produces("text/csv")
    @Operation(
            summary = "Export the utterances of a query as CSV",
            description = "Same filters and order as GET /utterances; streams every match in keyset pages. A query "
                    + "matching more than the export maximum (default 1,000,000 rows) is refused with a 422 problem, "
                    + "unless limit asks for fewer: then the first limit rows come, with " + TRUNCATED_HEADER
                    + ": true when more matched.")
    @APIResponse(responseCode = "200", description = "RFC 4180 CSV with a header line")
    @APIResponse(responseCode = "400", ref = ReportingApi.REF + ReportingApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    @APIResponse(responseCode = "422", description = "more rows match than one export may return")
    public Response export(
            @BeanParam UtteranceFilterParams filterParams,
            @BeanParam OrderParams orderParams,
            @BeanParam ExportParams exportParams)
            throws SQLException {
        UtteranceFilter filter = filterParams.filter();
        SortOrder order = orderParams.order();
        int limit = exportParams.limit(config.maxExportRows());
        // checked before the first byte goes out, so an over-large export is a proper problem response
        long matches = queries.countUpTo(filter, (long) limit + 1);
        if (matches > limit && !exportParams.limited()) {
            throw ProblemException.exportTooLarge(String.format(
                    java.util.Locale.ROOT,
                    "the query matches more than %,d rows, the most one export returns; narrow it (from/to, "
                            + "recording, speaker, label) or pass limit to take only the first rows",
                    limit));
        }
        int pageSize = config.exportPageSize();
        StreamingOutput body = out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            CsvWriter csv = new CsvWriter(w);
            csv.header();
            try {
                queries.export(filter, order, limit, pageSize, csv::row);
            } catch (SQLException e) {
                throw new UncheckedIOException(new java.io.IOException("export failed: " + e.getMessage(), e));
            }
            w.flush();
        };
        Response.ResponseBuilder response = Response.ok(body, "text/csv; charset=utf-8")
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"utterances.csv\"");
        if (matches > limit) {
            response.header(TRUNCATED_HEADER, "true");
        }
        return response.build();
    }
}
