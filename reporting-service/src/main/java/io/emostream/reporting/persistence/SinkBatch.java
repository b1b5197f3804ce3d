package io.emostream.reporting.persistence;

import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.UtteranceId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one database transaction writes: tombstones (deletes) first, then the results in offset order (the writer
 * folds each utterance's results into its row with {@link ResultMerge}, so every result counts, not only the last)
 * and the latest status per recording.
 *
 * @param deletedUtterances utterance ids whose result was tombstoned
 * @param results           the results after the last tombstone of their utterance, in offset order
 * @param clearedStatuses   recording ids whose status was tombstoned
 * @param statuses          the latest status per recording
 * @param traceIds          the trace id each result's record carried, parallel to {@code results} (null: none)
 */
public record SinkBatch(
        Set<String> deletedUtterances,
        List<FusedEmotion> results,
        Set<String> clearedStatuses,
        List<Status> statuses,
        List<String> traceIds) {

    /** A recording status with the time it takes effect (its {@code updatedAt}, else the record's timestamp). */
    public record Status(RecordingStatus status, Instant at) {}

    public boolean isEmpty() {
        return deletedUtterances.isEmpty() && results.isEmpty() && clearedStatuses.isEmpty() && statuses.isEmpty();
    }

    public int size() {
        return deletedUtterances.size() + results.size() + clearedStatuses.size() + statuses.size();
    }

    /** Every recording this batch touches, sorted (locks are taken in this order, so writers never deadlock). */
    public List<String> recordingIds() {
        Set<String> ids = new TreeSet<>();
        deletedUtterances.forEach(u -> ids.add(UtteranceId.parse(u).recordingId()));
        results.forEach(r -> ids.add(r.recordingId()));
        ids.addAll(clearedStatuses);
        statuses.forEach(s -> ids.add(s.status().recordingId()));
        return List.copyOf(ids);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects decoded records in offset order. */
    public static final class Builder {
        private final Set<String> deletedUtterances = new LinkedHashSet<>();
        private final List<FusedEmotion> results = new ArrayList<>();
        private final Set<String> clearedStatuses = new LinkedHashSet<>();
        private final Map<String, Status> statuses = new LinkedHashMap<>();
        private final List<String> traceIds = new ArrayList<>();

        public Builder result(FusedEmotion r) {
            return result(r, null);
        }

        /** @param traceId the trace the record belongs to (its {@code traceparent}), or null */
        public Builder result(FusedEmotion r, String traceId) {
            results.add(r);
            traceIds.add(traceId);
            return this;
        }

        /** A tombstone: results before it in this batch are dropped, results after it are kept. */
        public Builder deleteResult(String utteranceId) {
            for (int i = results.size() - 1; i >= 0; i--) {
                if (results.get(i).utteranceId().equals(utteranceId)) {
                    results.remove(i);
                    traceIds.remove(i);
                }
            }
            deletedUtterances.add(utteranceId);
            return this;
        }

        public Builder status(RecordingStatus s, Instant at) {
            statuses.merge(
                    s.recordingId(),
                    new Status(s, at),
                    (current, candidate) -> candidate.at().isBefore(current.at()) ? current : candidate);
            return this;
        }

        public Builder clearStatus(String recordingId) {
            statuses.remove(recordingId);
            clearedStatuses.add(recordingId);
            return this;
        }

        public SinkBatch build() {
            return new SinkBatch(
                    Set.copyOf(deletedUtterances),
                    List.copyOf(results),
                    Set.copyOf(clearedStatuses),
                    new ArrayList<>(statuses.values()),
                    java.util.Collections.unmodifiableList(new ArrayList<>(traceIds)));
        }
    }
}
