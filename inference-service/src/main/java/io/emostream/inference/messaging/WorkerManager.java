package io.emostream.inference.messaging;

import io.emostream.contracts.Modality;
import io.emostream.contracts.ServiceThreads;
import io.emostream.contracts.Topics;
import io.emostream.guard.PoisonGuard;
import io.emostream.inference.config.InferenceConfig;
import io.emostream.inference.model.ModelRegistry;
import io.emostream.models.EmotionModel;
import io.emostream.models.Prediction;
import io.emostream.models.SpeechEmotionModel;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Starts the scoring workers of each configured modality ({@code emostream.inference.workers} each) once its model
 * is loaded and warm (in the background, so liveness answers while models load), restarts a worker whose loop
 * ended on an error (after a back-off that doubles up to {@code max-retry-backoff} and resets once a worker has run
 * for a minute), reports dead and stuck workers to liveness, and drains them on shutdown.
 */
@ApplicationScoped
public class WorkerManager {

    /** A worker that ran this long before it died starts a fresh back-off sequence. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

    private final InferenceConfig config;
    private final ModelRegistry models;
    private final MeterRegistry meters;
    private final Map<String, Object> kafka;
    private final Tracer tracer;
    private final PoisonGuard guard;
    private final Map<Modality, List<Slot>> workers = new EnumMap<>(Modality.class);
    private final ServiceThreads threads = new ServiceThreads();
    private volatile boolean stopping;

    public WorkerManager(
            InferenceConfig config,
            ModelRegistry models,
            MeterRegistry meters,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            Tracer tracer,
            PoisonGuard guard) {
        this.config = config;
        this.models = models;
        this.meters = meters;
        this.kafka = kafka;
        this.tracer = tracer;
        this.guard = guard;
    }

    /** One worker position: the worker now running in it, and how it has been restarted. */
    private static final class Slot {
        final String name;
        final Supplier<ScoringWorker> factory;
        final InferenceMetrics metrics;
        ScoringWorker worker;
        long startedAt;
        int restarts;
        long restartAt;

        Slot(String name, Supplier<ScoringWorker> factory, InferenceMetrics metrics) {
            this.name = name;
            this.factory = factory;
            this.metrics = metrics;
        }

        void start(ServiceThreads threads) {
            worker = factory.get();
            startedAt = System.nanoTime();
            restartAt = 0;
            threads.start(name + "-worker", false, worker);
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (config.workers() < 1) {
            throw new IllegalArgumentException("emostream.inference.workers must be at least 1: " + config.workers());
        }
        threads.every("inference-supervisor", Duration.ofMillis(500), this::supervise);
        // models load in the background, so liveness answers meanwhile; not waited for on shutdown
        threads.start("inference-startup", true, this::startAll);
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

    @SuppressWarnings("unchecked")
    private synchronized void start(Modality modality, EmotionModel<?> model) {
        if (stopping) {
            return;
        }
        String m = modality.name().toLowerCase(Locale.ROOT);
        InferenceMetrics metrics =
                new InferenceMetrics(meters, modality, model.manifest().ref());
        List<Slot> started = new ArrayList<>();
        if (modality == Modality.SPEECH) {
            EmotionModel<float[]> speech = (EmotionModel<float[]>) model;
            BatchScorer<float[]> alone =
                    new BatchScorer<>(speech, Inputs::audio, Topics.SCORES_SPEECH, metrics, tracer, guard.service());
            started.addAll(startWorkers(m, Topics.UTTERANCES_AUDIO, () -> alone, metrics));
            // a speaker's utterances together (speaker-aware); one scorer per worker: it holds that worker's groups
            BatchScorer<float[]> grouped = new BatchScorer<>(
                    speech, Inputs::groupedAudio, Topics.SCORES_SPEECH, metrics, tracer, guard.service());
            SpeechEmotionModel ser = speech instanceof SpeechEmotionModel s ? s : null;
            int minGroup =
                    ser == null || ser.speakerMinUtterances() <= 0 ? Integer.MAX_VALUE : ser.speakerMinUtterances();
            Function<List<float[]>, List<Prediction>> predictGroup =
                    ser == null ? speech::predict : ser::predictSpeaker;
            if (minGroup == Integer.MAX_VALUE) {
                Log.infof(
                        "speech: %s has no speaker path; speaker groups get the speaker-independent scores",
                        model.manifest().ref());
            } else {
                Log.infof(
                        "speech: %s scores speaker groups of at least %d utterances speaker-aware",
                        model.manifest().ref(), minGroup);
            }
            started.addAll(startWorkers(
                    m + "-speaker",
                    Topics.UTTERANCES_AUDIO_SPEAKER,
                    () -> new SpeakerGroupScorer(
                            grouped,
                            predictGroup,
                            minGroup,
                            config.speakerGroupOpenFor(),
                            config.speakerGroupMaxUtterances()),
                    metrics));
        } else {
            BatchScorer<?> text = new BatchScorer<>(
                    ((TextEmotionModel) model).contextual(),
                    Inputs::text,
                    Topics.SCORES_TEXT,
                    metrics,
                    tracer,
                    guard.service());
            started.addAll(startWorkers(m, Topics.UTTERANCES_TEXT, () -> text, metrics));
        }
        workers.put(modality, List.copyOf(started));
    }

    /**
     * Starts {@code emostream.inference.workers} workers on {@code topic} in the group {@code <prefix>-<name>}, each
     * with the scorer {@code scorer} gives it.
     */
    private List<Slot> startWorkers(
            String name, String topic, Supplier<RecordScorer> scorer, InferenceMetrics metrics) {
        String group = config.groupPrefix() + "-" + name;
        int n = config.workers();
        List<Slot> started = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            // one transactional id per worker, stable across restarts: a restarted worker fences its predecessor
            String transactionalId = group + "-" + config.instanceId() + (k == 0 ? "" : "-" + k);
            String worker = "inference-" + name + (n == 1 ? "" : "-" + k);
            Slot slot = new Slot(
                    worker,
                    () -> new ScoringWorker(
                            worker,
                            topic,
                            group,
                            transactionalId,
                            kafka,
                            scorer.get(),
                            config.batch().maxSize(),
                            config.batch().maxWait(),
                            guard,
                            config.retryBackoff(),
                            config.maxRetryBackoff()),
                    metrics);
            slot.start(threads);
            started.add(slot);
        }
        Log.infof(
                "%s: %d worker(s) started in group %s on %s, batches of up to %d within %s",
                name, n, group, topic, config.batch().maxSize(), config.batch().maxWait());
        return started;
    }

    /** Restarts the workers whose loop ended, each after its back-off. */
    private synchronized void supervise() {
        if (stopping) {
            return;
        }
        long now = System.nanoTime();
        for (List<Slot> slots : workers.values()) {
            for (Slot s : slots) {
                if (s.worker.isAlive()) {
                    continue;
                }
                if (s.restartAt == 0) {
                    if (now - s.startedAt > HEALTHY_RUN.toNanos()) {
                        s.restarts = 0;
                    }
                    Duration delay = backoff(s.restarts);
                    s.restartAt = now + delay.toNanos();
                    Log.errorf(s.worker.death(), "%s died; starting a new one in %s", s.name, delay);
                } else if (now - s.restartAt >= 0) {
                    s.restarts++;
                    s.metrics.workerRestarted();
                    Log.infof("%s: starting a new worker (restart #%d)", s.name, s.restarts);
                    s.start(threads);
                }
            }
        }
    }

    private Duration backoff(int restarts) {
        Duration d = config.retryBackoff().multipliedBy(1L << Math.min(restarts, 10));
        return d.compareTo(config.maxRetryBackoff()) > 0 ? config.maxRetryBackoff() : d;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopAll();
    }

    public synchronized void stopAll() {
        stopping = true;
        threads.stopSchedules();
        // ask all to finish their batch at once, then wait: the drain takes one batch's time, not one per worker
        all().forEach(ScoringWorker::requestStop);
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        all().forEach(w -> w.awaitStopped(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        try {
            threads.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<ScoringWorker> all() {
        return workers.values().stream()
                .flatMap(List::stream)
                .map(s -> s.worker)
                .toList();
    }

    /** The modalities this instance is configured to serve. */
    public java.util.List<Modality> modalities() {
        return config.modalities().stream()
                .map(s -> Modality.valueOf(s.trim().toUpperCase(Locale.ROOT)))
                .toList();
    }

    /** Every worker of the modality is consuming. */
    public synchronized boolean serving(Modality modality) {
        List<Slot> w = workers.get(modality);
        return w != null && w.stream().allMatch(s -> s.worker.isRunning());
    }

    /** How many workers the modality has (0 before its model is loaded). */
    public synchronized int workerCount(Modality modality) {
        return workers.getOrDefault(modality, List.of()).size();
    }

    /**
     * What is wrong with the modality's workers for liveness: each dead worker (and why, and when it restarts) and
     * each stuck one; empty when all run (or none started yet).
     */
    public synchronized List<String> problems(Modality modality) {
        List<String> problems = new ArrayList<>();
        long now = System.nanoTime();
        for (Slot s : workers.getOrDefault(modality, List.of())) {
            ScoringWorker w = s.worker;
            if (!w.isAlive()) {
                String why = w.death() == null ? "stopped" : "died: " + w.death();
                String next = s.restartAt == 0
                        ? ""
                        : ", restarting in " + Math.max(0, TimeUnit.NANOSECONDS.toMillis(s.restartAt - now)) + " ms";
                problems.add(s.name + " " + why + next);
            } else if (w.sinceProgress().compareTo(config.stuckAfter()) > 0) {
                problems.add(
                        s.name + " stuck: no progress for " + w.sinceProgress().toSeconds() + " s");
            }
        }
        return problems;
    }
}
