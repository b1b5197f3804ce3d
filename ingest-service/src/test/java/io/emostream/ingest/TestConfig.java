package io.emostream.ingest;

import java.time.Duration;

/** {@link IngestConfig} with the documented defaults, for tests that do not boot Quarkus. */
public record TestConfig(Duration maxDuration, Duration maxUtterance) implements IngestConfig {

    public static TestConfig defaults() {
        return new TestConfig(Duration.ofHours(4), Duration.ofSeconds(30));
    }

    @Override
    public long maxRecordingBytes() {
        return 200L * 1024 * 1024;
    }

    @Override
    public Duration transcriptWait() {
        return Duration.ofSeconds(30);
    }

    @Override
    public Duration transcriptRetention() {
        return Duration.ofHours(24);
    }

    @Override
    public Duration expiryCheckInterval() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Segmentation segmentation() {
        Duration max = maxUtterance;
        return new Segmentation() {
            public Duration maxUtterance() {
                return max;
            }

            public Duration minUtterance() {
                return Duration.ofMillis(300);
            }

            public Duration minSilence() {
                return Duration.ofMillis(500);
            }

            public Duration padding() {
                return Duration.ofMillis(200);
            }

            public double thresholdDb() {
                return 12;
            }

            public double minThresholdDbfs() {
                return -55;
            }

            public double maxThresholdDbfs() {
                return -35;
            }

            public Duration transcriptTolerance() {
                return Duration.ofSeconds(1);
            }
        };
    }
}
