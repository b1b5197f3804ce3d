package io.emostream.reporting;

import java.util.List;

/**
 * {@code GET /stats/emotions}: groups in key order for time grouping, largest first for speaker or recording.
 *
 * @param truncated true when more groups matched than {@code limit}
 */
public record EmotionStats(String groupBy, String timeZone, List<EmotionGroup> groups, int limit, boolean truncated) {}
