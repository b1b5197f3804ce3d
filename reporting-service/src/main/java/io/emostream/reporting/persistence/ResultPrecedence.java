package io.emostream.reporting.persistence;

import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Modalities;

/**
 * Which of two results for one utterance is kept. A result made from both inputs is never replaced by a
 * single-modality one; otherwise the most recently fused result wins, and a replay of the same or an older result
 * changes nothing. So a late correction replaces its single-modality forerunner, a replayed older record cannot
 * undo a correction, and re-running the pipeline with a new model version replaces the old results.
 *
 * <p>The same rule guards the SQL upsert ({@link #SQL_GUARD}); this class applies it within one batch.
 */
public final class ResultPrecedence {

    /** The ON CONFLICT guard: update only when the incoming row ({@code EXCLUDED}) outranks the stored one. */
    static final String SQL_GUARD =
            "(EXCLUDED.modalities = 'BOTH', EXCLUDED.fused_at) > (u.modalities = 'BOTH', u.fused_at)";

    private ResultPrecedence() {
    }

    /** Whether {@code candidate} replaces {@code current}; ties go to the candidate (the later record in a batch). */
    public static boolean replaces(FusedEmotion candidate, FusedEmotion current) {
        boolean candidateBoth = candidate.modalities() == Modalities.BOTH;
        boolean currentBoth = current.modalities() == Modalities.BOTH;
        if (candidateBoth != currentBoth) {
            return candidateBoth;
        }
        return !candidate.fusedAt().isBefore(current.fusedAt());
    }
}
