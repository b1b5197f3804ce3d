package io.emostream.inference.messaging;

import io.emostream.contracts.Modality;
import io.emostream.contracts.Topics;
import io.emostream.inference.InferenceConfig;
import io.emostream.inference.InferenceMetrics;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.EmotionModel;
import io.emostream.models.TextEmotionModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts the scoring workers of each configured modality ({@code emostream.inference.workers} each) once its model
 * is loaded and warm (in the background, so liveness answers while models load), and drains them on shutdown.
 */
@ApplicationScoped
public class WorkerManager {

    private final InferenceConfig config;
    private final ModelRegistry models;
    private final MeterRegistry meters;
    private final Map<String, Object> kafka;
    private final Tracer tracer;
    private final Map<Modality, List<ScoringWorker>> workers = new EnumMap<>(Modality.class);

    public WorkerManager(InferenceConfig config, ModelRegistry models, MeterRegistry meters,
                         @Identifier("default-kafka-broker") Map<String, Object> kafka, Tracer tracer) {
        this.config = config;
        this.models = models;
        this.meters = meters;
        this.kafka = kafka;
        this.tracer = tracer;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.workers() < 1) {
            throw new IllegalArgumentException("emostream.inference.workers must be at least 1: " + config.workers());
        }
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
                : new BatchScorer<>(((TextEmotionModel) model).contextual(), Inputs::text, Topics.SCORES_TEXT, metrics,
                        tracer);
        String group = config.groupPrefix() + "-" + m;
        int n = config.workers();
        List<ScoringWorker> started = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            // one transactional id per worker, stable across restarts: a restarted worker fences its predecessor
            String transactionalId = group + "-" + config.instanceId() + (k == 0 ? "" : "-" + k);
            String name = "inference-" + m + (n == 1 ? "" : "-" + k);
            ScoringWorker worker = new ScoringWorker(name,
                    modality == Modality.SPEECH ? Topics.UTTERANCES_AUDIO : Topics.UTTERANCES_TEXT, group,
                    transactionalId, kafka, scorer, config.batch().maxSize(), config.batch().maxWait());
            started.add(worker);
            new Thread(worker, name + "-worker").start();
        }
        workers.put(modality, List.copyOf(started));
        Log.infof("%s: %d worker(s) started in group %s, batches of up to %d within %s", m, n, group,
                config.batch().maxSize(), config.batch().maxWait());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopAll();
    }

    public synchronized void stopAll() {
        // ask all to finish their batch at once, then wait: the drain takes one batch's time, not one per worker
        workers.values().stream().flatMap(List::stream).forEach(ScoringWorker::requestStop);
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        workers.values().stream().flatMap(List::stream).forEach(w ->
                w.awaitStopped(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
    }

    /** The modalities this instance is configured to serve. */
    public java.util.List<Modality> modalities() {
        return config.modalities().stream().map(s -> Modality.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
    }

    /** Every worker of the modality is consuming. */
    public synchronized boolean serving(Modality modality) {
        List<ScoringWorker> w = workers.get(modality);
        return w != null && w.stream().allMatch(ScoringWorker::isRunning);
    }

    /** How many workers the modality has (0 before its model is loaded). */
    public synchronized int workerCount(Modality modality) {
        return workers.getOrDefault(modality, List.of()).size();
    }
}
