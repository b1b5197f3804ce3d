package io.emostream.reporting.rest;

import io.emostream.contracts.Problem;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.sql.SQLException;

/**
 * Every error leaves as RFC 9457 problem details: the service's own problems, JAX-RS errors (unknown path 404,
 * wrong method 405, unacceptable media type 406), a query cancelled by its timeout (503), and, for anything
 * unexpected, a 500 that reveals nothing internal.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return response(e, path(uri));
    }

    static Response response(ProblemException e, String path) {
        return response(e.toProblem(path));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        String detail = switch (status.getStatusCode()) {
            case 404 -> "no resource at " + path(uri);
            case 405 -> "method not allowed on " + path(uri);
            case 406 -> "cannot produce any of the accepted media types";
            default -> status.getReasonPhrase();
        };
        Response.ResponseBuilder b = Response.fromResponse(response(Problem.of(
                status.getReasonPhrase(), status.getReasonPhrase(), status.getStatusCode(), detail, path(uri))));
        return b.build();
    }

    @ServerExceptionMapper
    public Response database(SQLException e, UriInfo uri) {
        if ("57014".equals(e.getSQLState())) { // query_canceled: our statement timeout
            return response(Problem.of(
                    "query-timeout",
                    "Query took too long",
                    503,
                    "the query was cancelled after the time limit; narrow the time range or filters",
                    path(uri)));
        }
        return unexpected(e, uri);
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "unexpected error on %s", path(uri));
        return response(Problem.of(
                "internal", "Internal error", 500, "the request failed unexpectedly; it has been logged", path(uri)));
    }

    /** The request path as sent (percent-encoded): {@code instance} is a URI reference, and '#' must stay %23. */
    static String path(UriInfo uri) {
        return uri.getRequestUri().getRawPath();
    }

    static Response response(Problem p) {
        return Response.status(p.status())
                .type(Problem.MEDIA_TYPE)
                .entity(p.toJson())
                .build();
    }
}
