package io.emostream.reporting;

import java.util.List;
import java.util.Map;

/**
 * A recording with its emotion summary and utterance timeline (in index order).
 *
 * @param labelCounts              utterances per fused label, every canonical label present
 * @param meanProbabilities        the mean fused distribution over its utterances
 * @param lowConfidenceUtterances  utterances whose confidence is under the configured threshold
 * @param timelineTruncated        true when the recording has more utterances than the timeline limit
 */
public record RecordingDetail(
        RecordingSummary recording,
        Map<String, Long> labelCounts,
        Map<String, Double> meanProbabilities,
        long lowConfidenceUtterances,
        double lowConfidenceThreshold,
        List<TimelineEntry> timeline,
        boolean timelineTruncated) {}
