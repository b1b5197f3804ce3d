package io.emostream.ingest.rest;

import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.streams.IngestMetrics;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.concurrent.Semaphore;

/**
 * At most {@code max-concurrent-uploads} uploads are received and processed at once; one more gets 429 with
 * {@code Retry-After} before its body is read. A slot is held until the response has been sent (or the
 * connection dropped). Runs after the API key check, so unauthenticated requests take no slot.
 */
@ApplicationScoped
public class UploadLimiter {

    private final Semaphore slots;
    private final int max;
    private final long retryAfterSeconds;
    private final IngestMetrics metrics;

    public UploadLimiter(IngestConfig config, IngestMetrics metrics) {
        this.max = config.maxConcurrentUploads();
        this.slots = new Semaphore(max);
        this.retryAfterSeconds = Math.max(1, config.uploadRetryAfter().toSeconds());
        this.metrics = metrics;
        metrics.uploadSlots(slots, max);
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION + 100)
    public Response limit(ContainerRequestContext request, RoutingContext routing) {
        if (!HttpMethod.POST.equals(request.getMethod())
                || !request.getUriInfo().getPath().replaceAll("/+$", "").equals("/recordings")) {
            return null;
        }
        if (!slots.tryAcquire()) {
            metrics.uploadRefusedBusy();
            return Problems.builder(
                            429,
                            "Too many uploads",
                            "ingest is already processing " + max + " uploads; retry in " + retryAfterSeconds + " s",
                            request.getUriInfo().getPath(),
                            null)
                    .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds)
                    .build();
        }
        routing.addEndHandler(done -> slots.release());
        return null;
    }
}
