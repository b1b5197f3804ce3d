package io.emostream.reporting.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}).
 *
 * @param type      identifies the kind of problem ({@code urn:emostream:problem:<kind>})
 * @param instance  the request path that failed
 * @param parameter the query or path parameter at fault, for 400s about one parameter
 */
@Schema(name = "Problem", description = "RFC 9457 problem details")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String parameter) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:emostream:problem:";
}
