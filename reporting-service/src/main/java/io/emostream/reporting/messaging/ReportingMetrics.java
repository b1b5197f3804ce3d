package io.emostream.reporting.messaging;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every meter of the reporting service (the sink's; the consumer guard adds its own), all registered at start so
 * dashboards see zeros rather than gaps. Prometheus names:
 * {@code emostream_reporting_records_consumed_total{topic}}, {@code emostream_reporting_rows_upserted_total{table}},
 * {@code emostream_reporting_rows_deleted_total}, {@code emostream_reporting_results_superseded_total},
 * {@code emostream_reporting_deadletters_total{reason}}, {@code emostream_reporting_sink_failures_total},
 * {@code emostream_reporting_batch_size_*}, {@code emostream_reporting_sink_latency_seconds_*} (one database
 * transaction), {@code emostream_reporting_pipeline_latency_seconds_*} (utterance event time to stored row) and
 * {@code emostream_reporting_consumer_lag}.
 */
@ApplicationScoped
public class ReportingMetrics {

    private final Counter emotionsConsumed;
    private final Counter statusesConsumed;
    private final Counter utteranceRows;
    private final Counter recordingRows;
    private final Counter deleted;
    private final Counter superseded;
    private final Counter failures;
    private final Counter restarts;
    private final Map<FailureReason, Counter> deadLetters = new EnumMap<>(FailureReason.class);
    private final DistributionSummary batchSize;
    private final Timer sinkLatency;
    private final Timer pipelineLatency;
    private final AtomicLong lag = new AtomicLong();

    public ReportingMetrics(MeterRegistry registry) {
        emotionsConsumed = consumed(registry, Topics.EMOTIONS);
        statusesConsumed = consumed(registry, Topics.RECORDING_STATUS);
        utteranceRows = upserted(registry, "utterances");
        recordingRows = upserted(registry, "recordings");
        deleted = Counter.builder("emostream.reporting.rows.deleted")
                .description("Utterance rows deleted by tombstones")
                .register(registry);
        superseded = Counter.builder("emostream.reporting.results.superseded")
                .description("Results not applied because the stored result outranks them (replays)")
                .register(registry);
        failures = Counter.builder("emostream.reporting.sink.failures")
                .description("Batches whose write failed and will be retried")
                .register(registry);
        restarts = Counter.builder("emostream.reporting.sink.restarts")
                .description("Times the sink's consumer loop died and was started again")
                .register(registry);
        for (FailureReason reason : FailureReason.values()) {
            deadLetters.put(
                    reason,
                    Counter.builder("emostream.reporting.deadletters")
                            .description("Records sent to the dead-letter topic")
                            .tag("reason", reason.name())
                            .register(registry));
        }
        batchSize = DistributionSummary.builder("emostream.reporting.batch.size")
                .description("Records per database transaction")
                .register(registry);
        sinkLatency = Timer.builder("emostream.reporting.sink.latency")
                .description("Time to write one batch to PostgreSQL (one transaction)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        pipelineLatency = Timer.builder("emostream.reporting.pipeline.latency")
                .description("From an utterance's event time to its row being stored")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        Gauge.builder("emostream.reporting.consumer.lag", lag, AtomicLong::get)
                .description("Records on the consumed partitions not yet read")
                .register(registry);
    }

    private static Counter consumed(MeterRegistry registry, String topic) {
        return Counter.builder("emostream.reporting.records.consumed")
                .description("Records read from Kafka")
                .tag("topic", topic)
                .register(registry);
    }

    private static Counter upserted(MeterRegistry registry, String table) {
        return Counter.builder("emostream.reporting.rows.upserted")
                .description("Rows inserted or updated")
                .tag("table", table)
                .register(registry);
    }

    void consumed(String topic, int n) {
        (Topics.EMOTIONS.equals(topic) ? emotionsConsumed : statusesConsumed).increment(n);
    }

    void written(int records, int utterances, int recordings, int deletedRows, int supersededResults, long nanos) {
        batchSize.record(records);
        sinkLatency.record(Duration.ofNanos(nanos));
        utteranceRows.increment(utterances);
        recordingRows.increment(recordings);
        deleted.increment(deletedRows);
        superseded.increment(supersededResults);
    }

    void pipelineLatency(Duration d) {
        if (!d.isNegative()) {
            pipelineLatency.record(d);
        }
    }

    void deadLetter(FailureReason reason) {
        deadLetters.get(reason).increment();
    }

    void failure() {
        failures.increment();
    }

    void restarted() {
        restarts.increment();
    }

    void lag(long records) {
        lag.set(records);
    }
}
