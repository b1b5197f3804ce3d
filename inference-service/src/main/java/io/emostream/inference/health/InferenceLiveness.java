package io.emostream.inference.health;

import io.emostream.contracts.Modality;
import io.emostream.inference.messaging.WorkerManager;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.util.List;
import java.util.Locale;

/**
 * Down while a scoring worker is dead (its manager starts a new one after a back-off) or stuck (no progress for
 * {@code stuck-after}): an orchestrator that sees it down for long restarts the service. Up while models load.
 */
@Liveness
@ApplicationScoped
public class InferenceLiveness implements HealthCheck {

    static final String NAME = "Scoring workers";

    private final WorkerManager workers;

    public InferenceLiveness(WorkerManager workers) {
        this.workers = workers;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME);
        boolean up = true;
        for (Modality m : workers.modalities()) {
            String key = m.name().toLowerCase(Locale.ROOT);
            List<String> problems = workers.problems(m);
            if (problems.isEmpty()) {
                b.withData(key, workers.workerCount(m) + " alive");
            } else {
                up = false;
                b.withData(key, String.join("; ", problems));
            }
        }
        return b.status(up).build();
    }
}
