package io.emostream.ingest.rest;

import io.emostream.ingest.IngestException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves as RFC 9457 problem details in plain words: rejected input (with its dead-letter reason),
 * the service's own problems (conflict, busy, not ready), JAX-RS errors (unknown path, wrong method or media
 * type), and for anything unexpected a 500 that reveals nothing internal.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response rejected(IngestException e, UriInfo uri) {
        return Problems.response(
                Problems.statusOf(e.reason()), Problems.titleOf(e.reason()), e.getMessage(), path(uri), e.reason());
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder b = Problems.builder(e.status(), e.title(), e.getMessage(), path(uri), null);
        if (e.retryAfterSeconds() != null) {
            b.header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds());
        }
        return b.build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        String detail = switch (status.getStatusCode()) {
            case 404 -> "no resource at " + path(uri);
            case 405 -> "method not allowed on " + path(uri);
            case 406 -> "cannot produce any of the accepted media types";
            case 413 -> "the request body is larger than allowed";
            case 415 ->
                "send the audio as multipart/form-data (a 'file' part) or as the raw body with an audio/*, "
                        + "video/* or application/octet-stream Content-Type";
            default -> status.getReasonPhrase();
        };
        return Problems.response(status.getStatusCode(), status.getReasonPhrase(), detail, path(uri), null);
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "unexpected error on %s", path(uri));
        return Problems.response(
                500, "Internal error", "the request failed unexpectedly; it has been logged", path(uri), null);
    }

    static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }
}
