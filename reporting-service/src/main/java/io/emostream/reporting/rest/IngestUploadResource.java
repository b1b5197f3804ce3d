package io.emostream.reporting.rest;

import io.emostream.contracts.Problem;
import io.emostream.reporting.config.IngestLinkConfig;
import io.quarkus.logging.Log;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * Ingest's upload ({@code POST /recordings} on the ingest service), reachable through this service: the console's
 * pages are served here, so the browser uploads to the same origin with the same API key and needs neither CORS nor
 * a route to ingest. The body streams through (up to ingest's size limit; never held in memory here) and ingest's
 * answer comes back as it is: 202 with the utterance ids, or its problem details (with the rejection reason), a
 * 429 with Retry-After, a 401. The key was checked here already ({@link ApiKeyFilter}) and is passed on, so an
 * ingest that checks keys itself sees the caller's.
 */
@Path("/ingest/recordings")
@Tag(name = "upload")
public class IngestUploadResource {

    /** Request headers that matter to ingest's upload; nothing else (cookies, hop-by-hop headers) is passed on. */
    static final List<String> REQUEST_HEADERS =
            List.of(HttpHeaders.CONTENT_TYPE, ApiKeyFilter.HEADER, "Idempotency-Key", "traceparent", "tracestate");
    /** Response headers of ingest's answer that a caller may act on. */
    static final List<String> RESPONSE_HEADERS =
            List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.RETRY_AFTER, "Idempotency-Key");

    private final HttpClient http;
    private final URI target;
    private final Duration timeout;

    public IngestUploadResource(IngestLinkConfig config) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.target = config.url().resolve("/recordings");
        this.timeout = config.timeout();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(
            summary = "Upload a recording to ingest (what the console uses)",
            description = "Exactly ingest's POST /recordings (multipart form with file, transcript, recordingId, "
                    + "language, speakers, awaitTranscript; or the raw audio as the body with those as query "
                    + "parameters), passed through this service: same body, same answer. See the ingest API.")
    @APIResponse(responseCode = "202", description = "accepted by ingest: its answer, with the utterance ids")
    @APIResponse(responseCode = "400", description = "ingest's problem details, with its reason code")
    @APIResponse(responseCode = "401", ref = ReportingApi.REF + ReportingApi.UNAUTHORIZED)
    @APIResponse(responseCode = "502", description = "ingest is not reachable from this service")
    @APIResponse(responseCode = "504", description = "ingest did not answer in time")
    public Response upload(InputStream body, @Context HttpHeaders headers, @Context UriInfo uri) {
        String query = uri.getRequestUri().getRawQuery();
        HttpRequest.Builder request = HttpRequest.newBuilder(query == null ? target : URI.create(target + "?" + query))
                .timeout(timeout);
        for (String name : REQUEST_HEADERS) {
            String v = headers.getHeaderString(name);
            if (v != null) {
                request.header(name, v);
            }
        }
        HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.ofInputStream(() -> body);
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.matches("\\d{1,18}")) {
            publisher = HttpRequest.BodyPublishers.fromPublisher(publisher, Long.parseLong(length));
        }
        String path = ProblemMappers.path(uri);
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(request.POST(publisher).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return ProblemMappers.response(Problem.of(
                    "ingest-timeout",
                    "Ingest did not answer",
                    504,
                    "the ingest service did not answer within " + timeout.toSeconds() + " s",
                    path));
        } catch (IOException e) {
            return unreachable(path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(path, e);
        }
        Response.ResponseBuilder out = Response.status(answer.statusCode()).entity(answer.body());
        for (String name : RESPONSE_HEADERS) {
            answer.headers().firstValue(name).ifPresent(v -> out.header(name, v));
        }
        return out.build();
    }

    private Response unreachable(String path, Exception e) {
        Log.warnf("upload pass-through: ingest at %s failed: %s", target, e.toString());
        return ProblemMappers.response(Problem.of(
                "ingest-unavailable",
                "Ingest is not reachable",
                502,
                "the ingest service (" + target.resolve("/")
                        + ") did not take the upload: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "; is it running?",
                path));
    }
}
