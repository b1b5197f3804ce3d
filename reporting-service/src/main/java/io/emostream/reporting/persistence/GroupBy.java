package io.emostream.reporting.persistence;

/** How {@code GET /stats/emotions} groups utterances; each maps to a fixed SQL expression (never user text). */
public enum GroupBy {
    HOUR("date_trunc('hour', event_time, ?)", true),
    DAY("date_trunc('day', event_time, ?)", true),
    SPEAKER("speaker", false),
    RECORDING("recording_id", false);

    final String expression;
    final boolean time;

    GroupBy(String expression, boolean time) {
        this.expression = expression;
        this.time = time;
    }

    public boolean isTime() {
        return time;
    }
}
