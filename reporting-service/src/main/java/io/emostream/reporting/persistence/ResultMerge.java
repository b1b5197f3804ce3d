package io.emostream.reporting.persistence;

import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.ScoreFusion;

/**
 * How a fused result is merged into the utterance's stored row, per modality. For each modality the result carries,
 * its input replaces the stored one only when it is at least as new, ordered by the input's own time (its score's
 * {@code scoredAt}): a re-score by a new (or rolled-back) model is scored later, while a replay or redelivery of an
 * older result is not, so a stale result never overwrites a newer one. A modality the result does not carry keeps
 * its stored input, so a late single-modality result never blanks the other modality.
 * <ul>
 * <li>Every input of the merged row comes from the result: the row takes the result's fused values as they are
 * (fusion is the authority when it saw both inputs).</li>
 * <li>The row mixes a new input with a stored one (a re-score of one modality, or a late partner fusion no longer
 * remembered): the fused distribution, label and confidence are recomputed with the shared {@link ScoreFusion} in the
 * result's mode with the shipped weights and gate, and the row is marked {@code correction}.</li>
 * <li>Nothing newer (a replay, a duplicate, a stale score): the row is left as it is.</li>
 * </ul>
 * The same rule applies within a batch (records are folded in offset order) and against the database.
 */
final class ResultMerge {

    private ResultMerge() {}

    /** The row after merging {@code r} into {@code current} (null: none stored), or null when nothing changes. */
    static UtteranceRow merge(UtteranceRow current, FusedEmotion r, String traceId) {
        if (current == null) {
            return UtteranceRow.of(r, traceId);
        }
        UtteranceRow.Input rs = UtteranceRow.Input.of(r.speech(), r.fusedAt());
        UtteranceRow.Input rt = UtteranceRow.Input.of(r.text(), r.fusedAt());
        boolean takeS = takes(rs, current.speech());
        boolean takeT = takes(rt, current.text());
        if (!(takeS && changes(rs, current.speech())) && !(takeT && changes(rt, current.text()))) {
            return null;
        }
        UtteranceRow.Input s = takeS ? rs : current.speech();
        UtteranceRow.Input t = takeT ? rt : current.text();
        String trace = traceId != null ? traceId : current.traceId();
        java.time.Instant eventTime = r.eventTime().isBefore(current.eventTime()) ? r.eventTime() : current.eventTime();
        if ((s == null || takeS) && (t == null || takeT)) {
            UtteranceRow own = UtteranceRow.of(r, trace);
            return new UtteranceRow(
                    own.utteranceId(),
                    own.recordingId(),
                    own.index(),
                    own.startMs(),
                    own.endMs(),
                    own.speaker(),
                    own.transcript(),
                    own.modalities(),
                    own.mode(),
                    own.speechWeight(),
                    own.textWeight(),
                    own.probabilities(),
                    own.label(),
                    own.confidence(),
                    s,
                    t,
                    own.correction(),
                    eventTime,
                    own.fusedAt(),
                    trace);
        }
        // one input from the result, the other stored: fuse them again with the one shared implementation
        ScoreFusion.Combined c = ScoreFusion.defaults(r.mode()).combine(s.probabilities(), t.probabilities());
        boolean textFromResult = takeT;
        return new UtteranceRow(
                current.utteranceId(),
                current.recordingId(),
                takeS ? r.index() : current.index(),
                takeS ? r.startMs() : current.startMs(),
                takeS ? r.endMs() : current.endMs(),
                textFromResult || current.text() == null ? r.speaker() : current.speaker(),
                textFromResult ? r.transcript() : current.transcript(),
                Modalities.BOTH,
                r.mode().name(),
                c.speechWeight(),
                c.textWeight(),
                c.probabilities(),
                c.probabilities().label(),
                c.probabilities().confidence(),
                s,
                t,
                true,
                eventTime,
                r.fusedAt(),
                trace);
    }

    /** Whether {@code candidate} (null: the result lacks this modality) is at least as new as {@code stored}. */
    private static boolean takes(UtteranceRow.Input candidate, UtteranceRow.Input stored) {
        return candidate != null && (stored == null || !candidate.at().isBefore(stored.at()));
    }

    /** Whether taking {@code candidate} changes the row: a modality it lacked, a newer score or another model. */
    private static boolean changes(UtteranceRow.Input candidate, UtteranceRow.Input stored) {
        return stored == null || candidate.at().isAfter(stored.at()) || !candidate.sameModel(stored);
    }
}
