package io.emostream.ingest.rest;

import io.emostream.ingest.IngestException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Rejected input becomes a 4xx problem details response. */
@Provider
public class IngestExceptionMapper implements ExceptionMapper<IngestException> {

    @Context
    UriInfo uri;

    @Override
    public Response toResponse(IngestException e) {
        return Problem.response(Problem.statusOf(e.reason()), Problem.titleOf(e.reason()), e.getMessage(),
                uri == null ? null : uri.getPath(), e.reason());
    }
}
