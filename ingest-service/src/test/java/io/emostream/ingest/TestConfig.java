package io.emostream.ingest;

import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.config.IngestConfigs;

import java.util.Map;

/** {@link IngestConfig} with the documented defaults, for tests that do not boot Quarkus. */
public final class TestConfig {

    private TestConfig() {}

    public static IngestConfig defaults() {
        return IngestConfigs.of(Map.of());
    }

    public static IngestConfig withMaxUtterance(String duration) {
        return IngestConfigs.of(Map.of("emostream.ingest.segmentation.max-utterance", duration));
    }
}
