package io.emostream.reporting.rest;

import io.emostream.reporting.persistence.SortOrder;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The direction of a list of utterances by event time, then id. */
public class OrderParams {

    @QueryParam("order")
    @Parameter(description = "desc (default) or asc")
    String order;

    SortOrder order() {
        return Params.choice("order", order, SortOrder.class, SortOrder.DESC);
    }
}
