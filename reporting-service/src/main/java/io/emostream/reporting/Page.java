package io.emostream.reporting;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * One page of a list in a stable order. Pass {@code nextCursor} back as {@code cursor} for the following page;
 * it is null on the last page.
 */
public record Page<T>(
        List<T> items,
        int limit,

        @Schema(description = "opaque; null on the last page")
        String nextCursor) {}
