package io.emostream.inference.messaging;

import io.emostream.contracts.Modality;
import io.emostream.contracts.Topics;
import io.emostream.inference.InferenceConfig;
import io.emostream.inference.InferenceMetrics;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.EmotionModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Starts one scoring worker per configured modality once its model is loaded and warm (in the background, so
 * liveness answers while models load), and drains them on shutdown.
 */
@ApplicationScoped
public class WorkerManager {

    private final InferenceConfig config;
    private final ModelRegistry models;
    private final MeterRegistry meters;
    private final Map<String, Object> kafka;
    private final Tracer tracer;
    private final Map<Modality, ScoringWorker> workers = new EnumMap<>(Modality.class);

    public WorkerManager(InferenceConfig config, ModelRegistry models, MeterRegistry meters,
                         @Identifier("default-kafka-broker") Map<String, Object> kafka, Tracer tracer) {
        this.config = config;
        this.models = models;
        this.meters = meters;
        this.kafka = kafka;
        this.tracer = tracer;
    }

    void onStart(@Observes StartupEvent event) {
        Thread t = new Thread(this::startAll, "inference-startup");
        t.setDaemon(true);
        t.start();
    }

    private void startAll() {
        for (Modality m : modalities()) {
            try {
                start(m, models.load(m));
            } catch (RuntimeException e) {
                Log.errorf(e, "cannot serve %s: the model did not load", m);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private synchronized void start(Modality modality, EmotionModel<?> model) {
        String m = modality.name().toLowerCase(Locale.ROOT);
        InferenceMetrics metrics = new InferenceMetrics(meters, modality, model.manifest().ref());
        BatchScorer<?> scorer = modality == Modality.SPEECH
                ? new BatchScorer<>((EmotionModel<float[]>) model, Inputs::audio, Topics.SCORES_SPEECH, metrics, tracer)
                : new BatchScorer<>((EmotionModel<String>) model, Inputs::text, Topics.SCORES_TEXT, metrics, tracer);
        String group = config.groupPrefix() + "-" + m;
        ScoringWorker worker = new ScoringWorker("inference-" + m,
                modality == Modality.SPEECH ? Topics.UTTERANCES_AUDIO : Topics.UTTERANCES_TEXT, group,
                group + "-" + config.instanceId(), kafka, scorer, config.batch().maxSize(), config.batch().maxWait());
        workers.put(modality, worker);
        Thread t = new Thread(worker, "inference-" + m + "-worker");
        t.start();
        Log.infof("%s worker started: group %s, batches of up to %d within %s", m, group,
                config.batch().maxSize(), config.batch().maxWait());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopAll();
    }

    public synchronized void stopAll() {
        workers.values().forEach(w -> w.stop(config.drainTimeout()));
    }

    /** The modalities this instance is configured to serve. */
    public java.util.List<Modality> modalities() {
        return config.modalities().stream().map(s -> Modality.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
    }

    public synchronized boolean serving(Modality modality) {
        ScoringWorker w = workers.get(modality);
        return w != null && w.isRunning();
    }
}
