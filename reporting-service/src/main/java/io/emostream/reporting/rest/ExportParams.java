package io.emostream.reporting.rest;

import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** How many rows a CSV export may return. */
public class ExportParams {

    @QueryParam("limit")
    @Parameter(description = "take only the first rows (at most the export maximum, default 1,000,000)")
    String limit;

    /** Whether the request asks for only the first rows (then more matching is no error). */
    boolean limited() {
        return limit != null;
    }

    int limit(int maxExportRows) {
        return Params.limit("limit", limit, maxExportRows, maxExportRows);
    }
}
