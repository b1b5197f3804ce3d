package io.emostream.reporting.health;

import io.emostream.reporting.messaging.SinkConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down while the sink's consumer loop is not running (it died and waits out its back-off before it is started
 * again) or is stuck (no progress for {@code stuck-after}). Retrying a failed write is not "down": the database
 * check shows why, and the sink resumes by itself.
 */
@Liveness
@ApplicationScoped
public class SinkHealthCheck implements HealthCheck {

    private final SinkConsumer sink;

    public SinkHealthCheck(SinkConsumer sink) {
        this.sink = sink;
    }

    @Override
    public HealthCheckResponse call() {
        SinkConsumer.State s = sink.state();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Reporting sink")
                .status(!s.enabled() || s.running())
                .withData("enabled", s.enabled())
                .withData("consecutiveFailures", s.consecutiveFailures())
                .withData("restarts", s.restarts())
                .withData("secondsSinceProgress", s.sinceProgress().toSeconds());
        if (s.lastBatchAt() != null) {
            b.withData("lastBatchAt", s.lastBatchAt().toString());
        }
        if (s.lastError() != null) {
            b.withData("lastError", s.lastError());
        }
        return b.build();
    }
}
