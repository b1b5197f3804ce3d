package io.emostream.contracts;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON configuration for events: ISO-8601 instants, unknown fields ignored (additive evolution). Instants
 * go through {@link FastInstants}: the same text in and out as Jackson's own codec, faster.
 */
public final class Json {

    public static final ObjectMapper MAPPER =
            configuration().addModule(FastInstants.module()).build();

    private Json() {}

    /** {@link #MAPPER}'s configuration without the fast instant codec: what that codec must read and write as. */
    static JsonMapper.Builder configuration() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }
}
