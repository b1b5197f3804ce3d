package io.emostream.ingest.streams;

import io.emostream.contracts.FailureReason;
import io.emostream.guard.streams.StreamsLag;
import io.emostream.ingest.audio.AudioDecoder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.KafkaStreams;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every meter of the ingest service ({@code emostream_ingest_*} in Prometheus; the consumer guard adds its own): the
 * pipeline's, the consumer lag, and the REST uploads'.
 */
@ApplicationScoped
public class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter utterances;
    private final DistributionSummary audioSeconds;
    private final Timer segmentation;
    private final AtomicLong awaitingTranscript = new AtomicLong();
    private final Counter uploadsRefusedBusy;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.utterances = Counter.builder("emostream.ingest.utterances")
                .description("Utterances published")
                .register(registry);
        this.audioSeconds = DistributionSummary.builder("emostream.ingest.audio.duration")
                .baseUnit("seconds")
                .description("Duration of segmented recordings")
                .register(registry);
        this.segmentation = Timer.builder("emostream.ingest.segmentation")
                .description("Decode, validate and cut one recording")
                .register(registry);
        registry.gauge("emostream.ingest.awaiting.transcript", awaitingTranscript);
        FunctionCounter.builder("emostream.ingest.decode.passes", AudioDecoder.class, x -> AudioDecoder.passes())
                .description("Decoding passes over recordings (REST validation and stream cutting)")
                .register(registry);
        this.uploadsRefusedBusy = Counter.builder("emostream.ingest.uploads.refused.busy")
                .description("REST uploads answered 429 (over max-concurrent-uploads)")
                .register(registry);
    }

    /** {@code emostream_ingest_consumer_lag}, once the app exists. */
    public void consumerLag(KafkaStreams streams) {
        StreamsLag.register(registry, "emostream.ingest", streams);
    }

    /** {@code emostream_ingest_uploads_active}: uploads holding one of the {@code max} slots. */
    public void uploadSlots(Semaphore slots, int max) {
        Gauge.builder("emostream.ingest.uploads.active", slots, s -> max - s.availablePermits())
                .description("REST uploads being received or processed")
                .strongReference(true)
                .register(registry);
    }

    public void uploadRefusedBusy() {
        uploadsRefusedBusy.increment();
    }

    public void recordingSegmented(int utteranceCount, double seconds, long nanos) {
        registry.counter("emostream.ingest.recordings", "outcome", "segmented").increment();
        utterances.increment(utteranceCount);
        audioSeconds.record(seconds);
        segmentation.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void recordingFailed(FailureReason reason) {
        registry.counter("emostream.ingest.recordings", "outcome", "failed").increment();
    }

    public void deadLettered(FailureReason reason, String sourceTopic) {
        registry.counter("emostream.ingest.deadletters", "reason", reason.name(), "topic", sourceTopic)
                .increment();
    }

    public void awaiting(long delta) {
        awaitingTranscript.addAndGet(delta);
    }
}
