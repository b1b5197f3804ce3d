package io.emostream.reporting.rest;

import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A query parameter that a GET does not declare, one given twice or one given empty is a 400 naming it, so a typo
 * never silently widens a query (JAX-RS itself would take the first of two values and an empty one as absent). The allowed names are the method's own declarations, read once per method: its {@code @QueryParam}
 * parameters and the {@code @QueryParam} fields of its {@code @BeanParam} classes. Runs after routing (and so after
 * {@link ApiKeyFilter}); the upload, a POST, passes its query on to ingest, which checks it.
 */
public class StrictQueryFilter {

    private final Map<Method, Set<String>> allowed = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void check(ContainerRequestContext request, ResourceInfo resource) {
        if (!HttpMethod.GET.equals(request.getMethod()) || resource.getResourceMethod() == null) {
            return;
        }
        Set<String> known = allowed.computeIfAbsent(resource.getResourceMethod(), StrictQueryFilter::queryParams);
        MultivaluedMap<String, String> values = request.getUriInfo().getQueryParameters();
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            String name = e.getKey();
            if (!known.contains(name)) {
                throw ProblemException.invalidParameter(
                        name, "unknown query parameter '" + name + "'; allowed: " + known);
            }
            if (e.getValue().size() > 1) {
                throw ProblemException.invalidParameter(name, "query parameter '" + name + "' is given more than once");
            }
            if (e.getValue().get(0).isBlank()) {
                throw ProblemException.invalidParameter(name, "'" + name + "' must not be empty");
            }
        }
    }

    /** The query parameter names a resource method declares, sorted (as the problem lists them). */
    static Set<String> queryParams(Method method) {
        Set<String> names = new TreeSet<>();
        for (Parameter p : method.getParameters()) {
            if (p.isAnnotationPresent(QueryParam.class)) {
                names.add(p.getAnnotation(QueryParam.class).value());
            } else if (p.isAnnotationPresent(BeanParam.class)) {
                for (Class<?> c = p.getType(); c != Object.class; c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (f.isAnnotationPresent(QueryParam.class)) {
                            names.add(f.getAnnotation(QueryParam.class).value());
                        }
                    }
                }
            }
        }
        return Collections.unmodifiableSet(names);
    }
}
