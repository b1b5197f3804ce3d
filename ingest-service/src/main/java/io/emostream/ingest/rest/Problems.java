package io.emostream.ingest.rest;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Problem;
import jakarta.ws.rs.core.Response;

/**
 * ingest's problem responses: the contracts' {@link Problem} body, and how a rejected input's reason maps to an HTTP
 * status and title.
 */
final class Problems {

    private Problems() {}

    static Response response(int status, String title, String detail, String instance, FailureReason reason) {
        return builder(status, title, detail, instance, reason).build();
    }

    static Response.ResponseBuilder builder(
            int status, String title, String detail, String instance, FailureReason reason) {
        Problem p = reason == null
                ? Problem.of(title, title, status, detail, instance)
                : Problem.rejected(reason, title, status, detail, instance);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(p);
    }

    /** The HTTP status for a rejected input. */
    static int statusOf(FailureReason reason) {
        return switch (reason) {
            case AUDIO_TOO_LARGE -> 413;
            case AUDIO_UNREADABLE -> 415;
            case AUDIO_EMPTY, AUDIO_CORRUPT, AUDIO_TOO_LONG, TRANSCRIPT_OUT_OF_RANGE -> 422;
            default -> 400;
        };
    }

    static String titleOf(FailureReason reason) {
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
