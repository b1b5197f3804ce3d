package io.emostream.inference.model;

import io.emostream.contracts.Modality;
import io.emostream.inference.config.InferenceConfig;
import io.emostream.models.EmotionModel;
import io.emostream.models.ModelOptions;
import io.emostream.models.SpeechEmotionModel;
import io.emostream.models.TextEmotionModel;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The models this instance serves, each loaded once from its directory (manifest + weights) through DJL, warmed up
 * with one inference, and closed on shutdown.
 */
@ApplicationScoped
public class ModelRegistry {

    private final InferenceConfig config;
    private final Map<Modality, EmotionModel<?>> models = new EnumMap<>(Modality.class);
    private final Map<Modality, String> failures = new EnumMap<>(Modality.class);

    public ModelRegistry(InferenceConfig config) {
        this.config = config;
    }

    /** Loads and warms up the model of a modality; failures are kept for the readiness check. */
    public synchronized EmotionModel<?> load(Modality modality) {
        Path dir = Path.of(config.modelsDir(), modality == Modality.SPEECH ? config.speechModel() : config.textModel());
        ModelOptions options = new ModelOptions(config.device(), config.intraOpThreads(), config.interOpThreads());
        try {
            long t0 = System.nanoTime();
            EmotionModel<?> model = modality == Modality.SPEECH
                    ? SpeechEmotionModel.load(dir, options)
                    : TextEmotionModel.load(dir, options);
            model.warmUp();
            models.put(modality, model);
            failures.remove(modality);
            Log.infof(
                    "%s model %s loaded from %s and warmed up in %d ms",
                    modality, model.manifest().ref(), dir, (System.nanoTime() - t0) / 1_000_000);
            return model;
        } catch (RuntimeException e) {
            failures.put(modality, e.getMessage());
            throw e;
        }
    }

    public synchronized EmotionModel<?> get(Modality modality) {
        return models.get(modality);
    }

    public synchronized String failure(Modality modality) {
        return failures.get(modality);
    }

    @PreDestroy
    synchronized void close() {
        models.values().forEach(EmotionModel::close);
        models.clear();
    }
}
