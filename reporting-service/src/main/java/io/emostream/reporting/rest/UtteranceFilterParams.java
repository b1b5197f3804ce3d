package io.emostream.reporting.rest;

import io.emostream.reporting.persistence.UtteranceFilter;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import java.time.Instant;

/** The utterance filters of {@code GET /utterances}, its CSV export and {@code GET /stats/emotions}. */
public class UtteranceFilterParams {

    @QueryParam("recording")
    @Parameter(description = "recording id")
    String recording;

    @QueryParam("speaker")
    @Parameter(description = "speaker")
    String speaker;

    @QueryParam("label")
    @Parameter(description = "fused label, e.g. angry")
    String label;

    @QueryParam("minConfidence")
    @Parameter(description = "fused confidence at least (0..1)")
    String minConfidence;

    @QueryParam("from")
    @Parameter(description = "event time at or after (ISO-8601)")
    String from;

    @QueryParam("to")
    @Parameter(description = "event time before (ISO-8601)")
    String to;

    UtteranceFilter filter() {
        Instant start = Params.instant("from", from);
        Instant end = Params.instant("to", to);
        Params.range(start, end);
        return new UtteranceFilter(
                Params.recordingId("recording", recording),
                Params.speaker("speaker", speaker),
                Params.emotion("label", label),
                Params.probability("minConfidence", minConfidence),
                start,
                end);
    }
}
