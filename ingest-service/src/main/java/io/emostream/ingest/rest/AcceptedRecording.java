package io.emostream.ingest.rest;

import java.util.List;

/**
 * The answer to an accepted upload.
 *
 * @param utteranceIds the utterances the recording will produce (empty while it waits for a transcript)
 * @param statusUrl    where to follow its progress
 */
public record AcceptedRecording(
        String recordingId,
        String status,
        List<String> utteranceIds,
        Long durationMs,
        boolean hasTranscript,
        String statusUrl) {}
