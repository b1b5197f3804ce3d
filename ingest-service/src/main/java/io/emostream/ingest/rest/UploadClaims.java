package io.emostream.ingest.rest;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.ingest.streams.IngestTopology;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may upload under a recording id. An id that already exists (a recording's status is known) or is being
 * uploaded right now is refused with 409, unless the request carries the {@code Idempotency-Key} of the upload
 * that created it: then it is that same upload retried, and it gets the same answer without a second recording.
 * Statuses are read from the global status store (every instance sees every recording); the uploads this
 * instance accepted last are also remembered, for the moment before their status reaches that store.
 */
@ApplicationScoped
public class UploadClaims {

    private static final int RECENT = 1024;
    private static final long RETRY_AFTER_SECONDS = 5;

    /** Held as the status (counts), not the answer (which lists every utterance id). */
    private record Accepted(String digest, RecordingStatus status) {}

    private final KafkaStreams streams;
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Accepted> recent = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Accepted> eldest) {
            return size() > RECENT;
        }
    });

    public UploadClaims(KafkaStreams streams) {
        this.streams = streams;
    }

    /**
     * The earlier answer when this is a retry of the upload that created {@code id}; otherwise claims the id
     * for this request (end the claim with {@link #release}).
     *
     * @param digest the upload's idempotency digest, null without an {@code Idempotency-Key}
     * @throws ProblemException 409 when the id belongs to another upload, 503 when statuses cannot be read yet
     */
    Optional<AcceptedRecording> claim(String id, String digest) {
        String other = inFlight.putIfAbsent(id, digest == null ? "" : digest);
        if (other != null) {
            throw ProblemException.conflict(
                    other.equals(digest)
                            ? "this upload (same Idempotency-Key) is still being processed; retry shortly"
                            : "recording '" + id + "' is being uploaded by another request",
                    RETRY_AFTER_SECONDS);
        }
        RecordingStatus known;
        try {
            byte[] value = streams.store(StoreQueryParameters.fromNameAndType(
                            IngestTopology.STATUS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()))
                    .get(id);
            known = value == null ? null : EventSerdes.RECORDING_STATUS.deserialize(Topics.RECORDING_STATUS, value);
        } catch (InvalidStateStoreException e) {
            inFlight.remove(id);
            throw ProblemException.unavailable("ingest is starting or rebalancing; retry shortly", RETRY_AFTER_SECONDS);
        }
        // the status as it is now; else what this instance accepted a moment ago (its status not read back yet)
        Accepted mine = known == null ? recent.get(id) : null;
        if (known != null || mine != null) {
            inFlight.remove(id);
            return known != null
                    ? replay(id, digest, known.uploadDigest(), answerOf(known))
                    : replay(id, digest, mine.digest(), answerOf(mine.status()));
        }
        return Optional.empty();
    }

    /** Ends a claim; {@code accepted} is the status it was accepted with, null when the upload was refused. */
    void release(String id, String digest, RecordingStatus accepted) {
        if (accepted != null) {
            recent.put(id, new Accepted(digest, accepted));
        }
        inFlight.remove(id);
    }

    private static Optional<AcceptedRecording> replay(
            String id, String digest, String ownerDigest, AcceptedRecording answer) {
        if (digest != null && Objects.equals(digest, ownerDigest)) {
            return Optional.of(answer);
        }
        throw ProblemException.conflict(
                "recording '" + id + "' already exists; choose another recordingId (a "
                        + "retry of the upload that created it must send the same Idempotency-Key)",
                null);
    }

    static AcceptedRecording answerOf(RecordingStatus s) {
        return new AcceptedRecording(
                s.recordingId(),
                s.state().name(),
                s.utteranceIds(),
                s.durationMs(),
                Boolean.TRUE.equals(s.hasTranscript()),
                statusUrl(s.recordingId()));
    }

    static String statusUrl(String id) {
        return "/recordings/" + id + "/status";
    }
}
