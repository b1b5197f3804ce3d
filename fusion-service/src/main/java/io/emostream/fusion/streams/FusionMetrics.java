package io.emostream.fusion.streams;

import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.Modalities;
import io.emostream.guard.streams.StreamsLag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every meter of the service ({@code emostream_fusion_*} in Prometheus; the consumer guard adds its own). Counters
 * are created once, so the hot path only increments.
 */
public final class FusionMetrics {

    private final MeterRegistry registry;
    /** [modalities][correction ? 1 : 0] */
    private final Counter[][] fused = new Counter[Modalities.values().length][2];

    private final Counter[] duplicates = new Counter[Side.values().length];
    private final Counter[] remapped = new Counter[Side.values().length];
    private final Counter[] rescored = new Counter[Side.values().length];
    private final Timer joinLatency;
    private final AtomicLong pending = new AtomicLong();

    public FusionMetrics(MeterRegistry registry, FusionMode mode) {
        this.registry = registry;
        for (Modalities m : Modalities.values()) {
            for (int c = 0; c < 2; c++) {
                fused[m.ordinal()][c] = Counter.builder("emostream.fusion.fused")
                        .description("Fused results emitted to emostream.emotions")
                        .tag("modalities", m.name())
                        .tag("mode", mode.name())
                        .tag("correction", c == 1 ? "true" : "false")
                        .register(registry);
            }
        }
        for (Side s : Side.values()) {
            duplicates[s.ordinal()] = Counter.builder("emostream.fusion.duplicates")
                    .description(
                            "Scores dropped because their utterance already had that side from the same model version")
                    .tag("modality", s.modality().name())
                    .register(registry);
            rescored[s.ordinal()] = Counter.builder("emostream.fusion.rescored")
                    .description("Scores of a new model version for an utterance side already emitted or waiting")
                    .tag("modality", s.modality().name())
                    .register(registry);
            remapped[s.ordinal()] = Counter.builder("emostream.fusion.labels.remapped")
                    .description("Scores whose non-canonical labels were mapped onto the canonical set")
                    .tag("modality", s.modality().name())
                    .register(registry);
        }
        joinLatency = Timer.builder("emostream.fusion.join.latency")
                .description("From the later input's scoredAt to the fused result (fusedAt)")
                .publishPercentileHistogram()
                .register(registry);
        Gauge.builder("emostream.fusion.pending", pending, AtomicLong::get)
                .description("Utterances with one side waiting for the other")
                .register(registry);
    }

    void fused(FusedEmotion f) {
        fused[f.modalities().ordinal()][f.correction() ? 1 : 0].increment();
        Instant latest = later(scoredAt(f.speech()), scoredAt(f.text()));
        if (latest != null && f.fusedAt() != null) {
            Duration d = Duration.between(latest, f.fusedAt());
            if (!d.isNegative()) {
                joinLatency.record(d);
            }
        }
    }

    private static Instant scoredAt(EmotionScore s) {
        return s == null ? null : s.scoredAt();
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    void duplicate(Side side) {
        duplicates[side.ordinal()].increment();
    }

    void rescored(Side side) {
        rescored[side.ordinal()].increment();
    }

    void remapped(Side side) {
        remapped[side.ordinal()].increment();
    }

    void deadLetter(String sourceTopic, FailureReason reason) {
        Counter.builder("emostream.fusion.deadletters")
                .description("Input records sent to emostream.deadletter")
                .tag("topic", sourceTopic)
                .tag("reason", reason.name())
                .register(registry)
                .increment();
    }

    void adjustPending(long delta) {
        pending.addAndGet(delta);
    }

    /** {@code emostream_fusion_consumer_lag}, once the app exists. */
    void consumerLag(KafkaStreams streams) {
        StreamsLag.register(registry, "emostream.fusion", streams);
    }
}
