package io.emostream.ingest;

import io.emostream.contracts.FailureReason;

/** Input that cannot be ingested, with the reason users and the dead-letter topic see. */
public class IngestException extends Exception {

    private final FailureReason reason;

    public IngestException(FailureReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public IngestException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }
}
