package io.emostream.inference.health;

import io.emostream.contracts.Modality;
import io.emostream.inference.messaging.WorkerManager;
import io.emostream.inference.model.ModelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.Locale;

/** Ready when every configured model is loaded and warmed up and its worker is consuming. */
@Readiness
@ApplicationScoped
public class InferenceReadiness implements HealthCheck {

    private final WorkerManager workers;
    private final ModelRegistry models;

    public InferenceReadiness(WorkerManager workers, ModelRegistry models) {
        this.workers = workers;
        this.models = models;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Emotion models");
        boolean up = true;
        for (Modality m : workers.modalities()) {
            String key = m.name().toLowerCase(Locale.ROOT);
            var model = models.get(m);
            if (model == null) {
                up = false;
                String failure = models.failure(m);
                b.withData(key, failure == null ? "loading" : "failed: " + failure);
            } else if (!workers.serving(m)) {
                up = false;
                b.withData(key, model.manifest().ref() + " loaded, worker not consuming");
            } else {
                int n = workers.workerCount(m);
                b.withData(key, model.manifest().ref() + " serving, " + n + (n == 1 ? " worker" : " workers"));
            }
        }
        return b.status(up).build();
    }
}
