package io.emostream.reporting.rest;

import io.emostream.contracts.RecordingStatus;
import io.emostream.reporting.persistence.RecordingFilter;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import java.time.Instant;

/** The filters of {@code GET /recordings}. */
public class RecordingFilterParams {

    /** Longest search text: a recording id is at most 128 characters. */
    static final int MAX_SEARCH = 128;

    @QueryParam("from")
    @Parameter(description = "recordings started at or after (ISO-8601)")
    String from;

    @QueryParam("to")
    @Parameter(description = "recordings started before (ISO-8601)")
    String to;

    @QueryParam("emotion")
    @Parameter(description = "dominant emotion label, e.g. angry")
    String emotion;

    @QueryParam("speaker")
    @Parameter(description = "recordings in which this speaker speaks")
    String speaker;

    @QueryParam("state")
    @Parameter(description = "ingest state: accepted, awaiting_transcript, segmented or failed")
    String state;

    @QueryParam("search")
    @Parameter(description = "recordings whose id contains this text (ignoring case)")
    String search;

    @QueryParam("lowConfidence")
    @Parameter(
            description = "true: only recordings with at least one utterance under the low-confidence threshold "
                    + "(the lowConfidenceThreshold of GET /recordings/{id})")
    String lowConfidence;

    /** @param lowConfidenceThreshold what {@code lowConfidence=true} means */
    RecordingFilter filter(double lowConfidenceThreshold) {
        Instant start = Params.instant("from", from);
        Instant end = Params.instant("to", to);
        Params.range(start, end);
        RecordingStatus.State st = Params.choice("state", state, RecordingStatus.State.class, null);
        String text = Params.raw(search);
        if (text != null && text.length() > MAX_SEARCH) {
            throw ProblemException.invalidParameter(
                    "search", "'search' is longer than a recording id (" + MAX_SEARCH + " characters)");
        }
        return new RecordingFilter(
                start,
                end,
                Params.emotion("emotion", emotion),
                Params.speaker("speaker", speaker),
                st == null ? null : st.name(),
                text,
                Params.flag("lowConfidence", lowConfidence) ? lowConfidenceThreshold : null);
    }
}
