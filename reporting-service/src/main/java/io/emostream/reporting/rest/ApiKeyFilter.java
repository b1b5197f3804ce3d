package io.emostream.reporting.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * Every API request needs a configured key in {@value #HEADER}. Runs before routing, so unknown paths reveal
 * nothing without a key. Health, metrics and the OpenAPI document live under {@code /q} (not JAX-RS) and stay
 * open.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {

    public static final String HEADER = "X-API-Key";

    private final ApiKeys keys;

    public ApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String key = request.getHeaderString(HEADER);
        if (key == null || key.isBlank()) {
            reject(request, "send an API key in the " + HEADER + " header");
        } else if (!keys.accepts(key)) {
            reject(request, "the API key is not valid");
        }
    }

    private static void reject(ContainerRequestContext request, String detail) {
        request.abortWith(ProblemMappers.response(ProblemException.unauthorized(detail),
                ProblemMappers.path(request.getUriInfo())));
    }
}
