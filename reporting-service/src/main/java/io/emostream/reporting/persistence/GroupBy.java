package io.emostream.reporting.persistence;

/**
 * How {@code GET /stats/emotions} groups utterances; each maps to fixed SQL expressions (never user text), over
 * the utterances and over the hourly rollup.
 */
public enum GroupBy {
    HOUR("date_trunc('hour', event_time, ?)", "date_trunc('hour', hour, ?)", true),
    DAY("date_trunc('day', event_time, ?)", "date_trunc('day', hour, ?)", true),
    SPEAKER("speaker", "speaker", false),
    RECORDING("recording_id", "recording_id", false);

    final String expression;
    final String rollupExpression;
    final boolean time;

    GroupBy(String expression, String rollupExpression, boolean time) {
        this.expression = expression;
        this.rollupExpression = rollupExpression;
        this.time = time;
    }

    public boolean isTime() {
        return time;
    }
}
