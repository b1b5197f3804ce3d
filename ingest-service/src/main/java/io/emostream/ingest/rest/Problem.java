package io.emostream.ingest.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.emostream.contracts.FailureReason;
import jakarta.ws.rs.core.Response;

import java.util.Locale;

/**
 * An RFC 9457 problem details body. {@code reason} is the same code the dead-letter topic uses (for rejected
 * input); {@code type} is {@code urn:emostream:problem:<kind>} as in every EmoStream API.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, FailureReason reason) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:emostream:problem:";

    public static Response response(int status, String title, String detail, String instance, FailureReason reason) {
        return builder(status, title, detail, instance, reason).build();
    }

    static Response.ResponseBuilder builder(int status, String title, String detail, String instance,
                                            FailureReason reason) {
        String kind = (reason == null ? title : reason.name()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return Response.status(status).type(MEDIA_TYPE)
                .entity(new Problem(TYPE_PREFIX + kind, title, status, detail, instance, reason));
    }

    /** The HTTP status for a rejected input. */
    public static int statusOf(FailureReason reason) {
        return switch (reason) {
            case AUDIO_TOO_LARGE -> 413;
            case AUDIO_UNREADABLE -> 415;
            case AUDIO_EMPTY, AUDIO_CORRUPT, AUDIO_TOO_LONG, TRANSCRIPT_OUT_OF_RANGE -> 422;
            default -> 400;
        };
    }

    public static String titleOf(FailureReason reason) {
        return switch (reason) {
            case AUDIO_TOO_LARGE -> "Recording too large";
            case AUDIO_UNREADABLE -> "Unsupported or unreadable audio";
            case AUDIO_EMPTY -> "No audio";
            case AUDIO_CORRUPT -> "Corrupt or truncated audio";
            case AUDIO_TOO_LONG -> "Recording too long";
            case TRANSCRIPT_OUT_OF_RANGE -> "Transcript does not fit the audio";
            case TRANSCRIPT_MALFORMED -> "Malformed transcript";
            case TRANSCRIPT_TOO_LARGE -> "Transcript too large";
            case TRANSCRIPT_OVERLAP -> "Too many overlapping transcript segments";
            case INVALID_KEY -> "Invalid recording id";
            default -> "Invalid request";
        };
    }
}
