package io.emostream.reporting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;

/** Where uploads that reach this service (POST /ingest/recordings, used by the console) are passed on to. */
@ConfigMapping(prefix = "emostream.reporting.ingest")
public interface IngestLinkConfig {

    /** Base URL of the ingest service's REST API, as this service reaches it (not as a browser would). */
    @WithDefault("http://localhost:8081")
    URI url();

    /** Longest an upload may take, sending it and ingest validating and segmenting it (a 4 h file takes ~1 min). */
    @WithDefault("10m")
    Duration timeout();
}
