package io.emostream.inference.messaging;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Meters of a modality's workers ({@code emostream.inference.*}), tagged by modality and model. */
public final class InferenceMetrics {

    private final Counter utterances;
    private final MeterRegistry registry;
    private final Tags tags;
    private final Timer latency;
    private final Map<Object, Long> lagByWorker = new ConcurrentHashMap<>();
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer inferenceTime;
    private final Timer pollTime;
    private final Timer pollEmptyTime;
    private final Timer decodeTime;
    private final Timer scoreTime;
    private final Timer commitTime;
    private final Counter aborted;
    private final Counter recreated;
    private final Counter restarted;

    public InferenceMetrics(MeterRegistry registry, Modality modality, ModelRef model) {
        Tags tags = Tags.of(
                "modality",
                modality.name().toLowerCase(Locale.ROOT),
                "model",
                model.name(),
                "version",
                model.version());
        this.registry = registry;
        this.tags = tags;
        utterances = counter("emostream.inference.utterances", "Utterances scored");
        latency = Timer.builder("emostream.inference.latency")
                .description("From arrival in the worker to its score, per utterance (queue + forward pass)")
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry);
        Gauge.builder(
                        "emostream.inference.consumer.lag",
                        lagByWorker,
                        m -> m.values().stream().mapToLong(Long::longValue).sum())
                .description("Records on the workers' partitions not yet read")
                .tags(tags)
                .register(registry);
        batchSize = DistributionSummary.builder("emostream.inference.batch.size")
                .description("Utterances per forward pass")
                .tags(tags)
                .register(registry);
        queueTime = timer("emostream.inference.queue", "From arrival to forward pass")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        inferenceTime = timer("emostream.inference.forward", "Forward pass of one batch")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        // where a worker's time goes besides the forward pass (bench/inference.sh prints the breakdown per utterance)
        String poll = "One consumer poll, waiting for records included; records=none: it returned none";
        pollTime =
                timer("emostream.inference.poll", poll).tag("records", "some").register(registry);
        pollEmptyTime =
                timer("emostream.inference.poll", poll).tag("records", "none").register(registry);
        decodeTime = timer("emostream.inference.decode", "Decoding one batch's records into model inputs")
                .register(registry);
        scoreTime = timer("emostream.inference.score", "Scoring one batch: decoding, forward pass, score records")
                .register(registry);
        commitTime = timer(
                        "emostream.inference.commit",
                        "One batch's transaction: sending its scores and offsets, committing")
                .register(registry);
        aborted = counter(
                "emostream.inference.transactions.aborted",
                "Batches whose transaction was aborted and whose records were read again");
        recreated = counter(
                "emostream.inference.clients.recreated",
                "Times a worker replaced Kafka clients that had become unusable (e.g. a fenced producer)");
        restarted = counter("emostream.inference.workers.restarted", "Workers that died and were started again");
    }

    private Timer.Builder timer(String name, String description) {
        return Timer.builder(name).description(description).tags(tags);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    public void transactionAborted() {
        aborted.increment();
    }

    public void clientsRecreated() {
        recreated.increment();
    }

    public void workerRestarted() {
        restarted.increment();
    }

    public void batch(int size, long forwardNanos) {
        batchSize.record(size);
        inferenceTime.record(forwardNanos, TimeUnit.NANOSECONDS);
    }

    public void poll(long nanos, boolean gotRecords) {
        (gotRecords ? pollTime : pollEmptyTime).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void decode(long nanos) {
        decodeTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void score(long nanos) {
        scoreTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void commit(long nanos) {
        commitTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One utterance scored: its wait before the forward pass, and the forward pass of its batch. */
    public void queued(double millis, long forwardNanos) {
        queueTime.record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
        latency.record((long) (millis * 1e6) + forwardNanos, TimeUnit.NANOSECONDS);
    }

    /** The lag one worker sees on its partitions; the gauge is the sum over the modality's workers. */
    public void lag(Object worker, long records) {
        lagByWorker.put(worker, records);
    }

    /** A stopped worker's partitions are another's now (or nobody's): its last reading no longer counts. */
    public void workerStopped(Object worker) {
        lagByWorker.remove(worker);
    }

    public void scored(int n) {
        utterances.increment(n);
    }

    public void deadLettered(FailureReason reason) {
        Counter.builder("emostream.inference.deadletters")
                .description("Input records sent to emostream.deadletter")
                .tags(tags.and("reason", reason.name()))
                .register(registry)
                .increment();
    }
}
