package io.emostream.inference;

import io.emostream.contracts.ModelRef;
import io.emostream.contracts.Modality;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Meters of one worker ({@code emostream.inference.*}), tagged by modality and model. */
public final class InferenceMetrics {

    private final Counter utterances;
    private final Counter failures;
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer inferenceTime;

    public InferenceMetrics(MeterRegistry registry, Modality modality, ModelRef model) {
        Tags tags = Tags.of("modality", modality.name().toLowerCase(Locale.ROOT), "model", model.name(),
                "version", model.version());
        utterances = Counter.builder("emostream.inference.utterances").description("Utterances scored")
                .tags(tags).register(registry);
        failures = Counter.builder("emostream.inference.failures").description("Utterances dead-lettered")
                .tags(tags).register(registry);
        batchSize = DistributionSummary.builder("emostream.inference.batch.size")
                .description("Utterances per forward pass").tags(tags).register(registry);
        queueTime = Timer.builder("emostream.inference.queue").description("From arrival to forward pass")
                .tags(tags).publishPercentiles(0.5, 0.99).register(registry);
        inferenceTime = Timer.builder("emostream.inference.forward").description("Forward pass of one batch")
                .tags(tags).publishPercentiles(0.5, 0.99).register(registry);
    }

    public void batch(int size, long forwardNanos) {
        batchSize.record(size);
        inferenceTime.record(forwardNanos, TimeUnit.NANOSECONDS);
    }

    public void queued(double millis) {
        queueTime.record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
    }

    public void scored(int n) {
        utterances.increment(n);
    }

    public void failed() {
        failures.increment();
    }
}
