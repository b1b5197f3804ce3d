package io.emostream.ingest.rest;

import io.emostream.contracts.ApiKeys;
import io.emostream.contracts.Problem;
import io.emostream.ingest.config.IngestConfig;
import io.quarkus.logging.Log;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

import java.util.List;

/**
 * Every API request needs a configured key in {@value ApiKeys#HEADER} (the platform's one mechanism,
 * {@link ApiKeys}, as in reporting). Runs before routing and before the body is read, so a refused upload costs
 * nothing. Health, metrics and the OpenAPI document live under {@code /q} (not JAX-RS) and stay open.
 */
@Provider
@PreMatching
@ApplicationScoped // created at the first request, once the runtime configuration is there
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {

    private final ApiKeys keys;

    public ApiKeyFilter(IngestConfig config) {
        this.keys = ApiKeys.of(config.apiKeys().orElse(List.of()));
        if (keys.isEmpty()) {
            Log.warn("no API keys configured (emostream.ingest.api-keys): every API request will get 401");
        }
    }

    @Override
    public void filter(ContainerRequestContext request) {
        keys.refusal(request.getHeaderString(ApiKeys.HEADER))
                .ifPresent(detail -> request.abortWith(Response.status(401)
                        .type(Problem.MEDIA_TYPE)
                        .header(HttpHeaders.WWW_AUTHENTICATE, ApiKeys.CHALLENGE)
                        .entity(ApiKeys.unauthorizedBody(detail, ProblemMappers.path(request.getUriInfo())))
                        .build()));
    }
}
