package io.emostream.contracts;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Utterance ids are {@code <recording-id>#<index>}, index from 0, so one utterance's audio, text, scores and
 * results share a key, and therefore a partition, on every topic. Ids are deterministic: re-ingesting the same
 * recording yields the same ids, which makes replays idempotent downstream.
 */
public record UtteranceId(String recordingId, int index) {

    /** Recording ids: 1–128 characters of letters, digits, '.', '_', '-', ':' (no '#', which separates the index). */
    public static final Pattern RECORDING_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    /** {@link #RECORDING_ID} in words, for every message that rejects an id. */
    public static final String RECORDING_ID_RULE =
            "1-128 characters of letters, digits, '.', '_', '-', ':', starting with a letter or digit";

    public UtteranceId {
        requireValidRecordingId(recordingId);
        if (index < 0) {
            throw new IllegalArgumentException("utterance index must be >= 0, got " + index);
        }
    }

    public static String of(String recordingId, int index) {
        return new UtteranceId(recordingId, index).toString();
    }

    public static UtteranceId parse(String utteranceId) {
        int hash = utteranceId == null ? -1 : utteranceId.lastIndexOf('#');
        if (hash <= 0 || hash == utteranceId.length() - 1) {
            throw new IllegalArgumentException("not an utterance id (<recording-id>#<index>): '" + utteranceId + "'");
        }
        int index;
        try {
            index = Integer.parseInt(utteranceId.substring(hash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("utterance index is not a number: '" + utteranceId + "'");
        }
        return new UtteranceId(utteranceId.substring(0, hash), index);
    }

    public static boolean isValidRecordingId(String recordingId) {
        return recordingId != null && RECORDING_ID.matcher(recordingId).matches();
    }

    /** Empty when {@code recordingId} is valid; else why not, in words (the one message every service gives). */
    public static Optional<String> recordingIdProblem(String recordingId) {
        return isValidRecordingId(recordingId)
                ? Optional.empty()
                : Optional.of("'" + recordingId + "' is not a recording id (" + RECORDING_ID_RULE + ")");
    }

    public static String requireValidRecordingId(String recordingId) {
        recordingIdProblem(recordingId).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        return recordingId;
    }

    @Override
    public String toString() {
        return recordingId + '#' + index;
    }
}
