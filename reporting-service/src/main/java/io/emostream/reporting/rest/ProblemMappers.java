package io.emostream.reporting.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private static final ObjectMapper JSON = new ObjectMapper();

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
        Response.ResponseBuilder b = Response.fromResponse(response(new Problem(Problem.TYPE_PREFIX
                + slug(status.getReasonPhrase()), status.getReasonPhrase(), status.getStatusCode(), detail,
                path(uri), null)));
        return b.build();
    }

    @ServerExceptionMapper
    public Response database(SQLException e, UriInfo uri) {
        if ("57014".equals(e.getSQLState())) { // query_canceled: our statement timeout
            return response(new Problem(Problem.TYPE_PREFIX + "query-timeout", "Query took too long", 503,
                    "the query was cancelled after the time limit; narrow the time range or filters",
                    path(uri), null));
        }
        return unexpected(e, uri);
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "unexpected error on %s", path(uri));
        return response(new Problem(Problem.TYPE_PREFIX + "internal", "Internal error", 500,
                "the request failed unexpectedly; it has been logged", path(uri), null));
    }

    /** The request path as sent (percent-encoded): {@code instance} is a URI reference, and '#' must stay %23. */
    static String path(UriInfo uri) {
        return uri.getRequestUri().getRawPath();
    }

    static Response response(Problem p) {
        try {
            return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(JSON.writeValueAsString(p)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String slug(String phrase) {
        return phrase.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
