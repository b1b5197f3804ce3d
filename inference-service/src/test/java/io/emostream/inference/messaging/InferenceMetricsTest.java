package io.emostream.inference.messaging;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The meters a modality's workers publish: names, tags and what each records (dashboards and benches read them). */
class InferenceMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InferenceMetrics metrics =
            new InferenceMetrics(registry, Modality.TEXT, new ModelRef("ter-default", "3.1.0"));

    @Test
    void everyMeterCarriesTheModalityAndTheModel() {
        metrics.deadLettered(FailureReason.MALFORMED_EVENT);
        // 14 meters + 1 dead-letter counter per reason seen, + the queue and forward timers' p50/p99 gauges
        assertThat(registry.getMeters()).hasSize(15 + 4);
        assertThat(registry.getMeters().stream().filter(m -> m.getId().getName().endsWith(".percentile")))
                .hasSize(4);
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("emostream.inference.");
            assertThat(m.getId().getTag("modality")).as(m.getId().getName()).isEqualTo("text");
            assertThat(m.getId().getTag("model")).as(m.getId().getName()).isEqualTo("ter-default");
            assertThat(m.getId().getTag("version")).as(m.getId().getName()).isEqualTo("3.1.0");
            if (!m.getId().getName().endsWith(".percentile")) {
                assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank();
            }
        }
    }

    @Test
    void recordsWhatTheWorkersReport() {
        metrics.scored(3);
        metrics.batch(3, 2_000_000);
        metrics.queued(1.5, 2_000_000);
        metrics.poll(1_000, true);
        metrics.poll(2_000, false);
        metrics.poll(3_000, false);
        metrics.transactionAborted();
        metrics.clientsRecreated();
        metrics.workerRestarted();
        metrics.workerRestarted();
        metrics.deadLettered(FailureReason.MALFORMED_EVENT);
        metrics.lag("w1", 5);
        metrics.lag("w2", 7);

        assertThat(registry.get("emostream.inference.utterances").counter().count())
                .isEqualTo(3);
        assertThat(registry.get("emostream.inference.batch.size").summary().totalAmount())
                .isEqualTo(3);
        assertThat(registry.get("emostream.inference.latency")
                        .timer()
                        .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(3.5);
        assertThat(registry.get("emostream.inference.poll")
                        .tag("records", "some")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("emostream.inference.poll")
                        .tag("records", "none")
                        .timer()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("emostream.inference.transactions.aborted")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("emostream.inference.clients.recreated")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("emostream.inference.workers.restarted")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("emostream.inference.deadletters")
                        .tag("reason", "MALFORMED_EVENT")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("emostream.inference.consumer.lag").gauge().value())
                .isEqualTo(12);
        metrics.workerStopped("w1");
        assertThat(registry.get("emostream.inference.consumer.lag").gauge().value())
                .isEqualTo(7);
    }
}
