package io.emostream.ingest.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.util.Map;

/** {@link IngestConfig} outside Quarkus (tools, benchmarks, plain tests): the documented defaults plus overrides. */
public final class IngestConfigs {

    private IngestConfigs() {}

    /** @param overrides e.g. {@code emostream.ingest.max-duration=60s} */
    public static IngestConfig of(Map<String, String> overrides) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(IngestConfig.class)
                .withConverter(java.time.Duration.class, 100, new DurationConverter()) // "30s" as in Quarkus
                .withSources(new PropertiesConfigSource(overrides, "overrides", 500))
                .build();
        return config.getConfigMapping(IngestConfig.class);
    }
}
