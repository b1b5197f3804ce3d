package io.emostream.ingest.rest;

/** Ends a request with a problem details response that is not about the input's content (conflict, busy, …). */
public final class ProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final Long retryAfterSeconds;

    ProblemException(int status, String title, String detail, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ProblemException badRequest(String title, String detail) {
        return new ProblemException(400, title, detail, null);
    }

    /** 409: the recording id belongs to another upload. */
    static ProblemException conflict(String detail, Long retryAfterSeconds) {
        return new ProblemException(409, "Recording exists", detail, retryAfterSeconds);
    }

    /** 429: too many uploads at once. */
    static ProblemException busy(String detail, long retryAfterSeconds) {
        return new ProblemException(429, "Too many uploads", detail, retryAfterSeconds);
    }

    /** 503: not ready yet (starting, rebalancing). */
    static ProblemException unavailable(String detail, long retryAfterSeconds) {
        return new ProblemException(503, "Not ready", detail, retryAfterSeconds);
    }

    int status() {
        return status;
    }

    String title() {
        return title;
    }

    Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
