package io.emostream.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.Locale;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}), the one shape of every EmoStream API error.
 *
 * @param type      {@code urn:emostream:problem:<kind>}
 * @param instance  the request path that failed
 * @param reason    for rejected input: the same code the dead-letter topic uses
 * @param parameter for a 400 about one query or path parameter: its name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type, String title, int status, String detail, String instance, FailureReason reason, String parameter) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:emostream:problem:";

    /** A problem of a kind ({@code "not-found"}, or words such as a reason phrase, made into a slug). */
    public static Problem of(String kind, String title, int status, String detail, String instance) {
        return new Problem(TYPE_PREFIX + slug(kind), title, status, detail, instance, null, null);
    }

    /** Rejected input: the kind is the reason code, which the body also carries. */
    public static Problem rejected(FailureReason reason, String title, int status, String detail, String instance) {
        return new Problem(TYPE_PREFIX + slug(reason.name()), title, status, detail, instance, reason, null);
    }

    public Problem withParameter(String name) {
        return new Problem(type, title, status, detail, instance, reason, name);
    }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String slug(String words) {
        return words.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
