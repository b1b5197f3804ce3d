package io.emostream.reporting.rest;

import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.Cursor;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** Keyset paging of a list: {@code limit} and {@code cursor}. */
public class PageParams {

    @QueryParam("limit")
    @Parameter(description = "page size (default 50, max 500)")
    String limit;

    @QueryParam("cursor")
    @Parameter(description = "nextCursor of the previous page")
    String cursor;

    int limit(ReportingConfig.Api config) {
        return Params.limit("limit", limit, config.defaultPageSize(), config.maxPageSize());
    }

    Cursor cursor() {
        return Params.cursor("cursor", cursor);
    }
}
