package io.emostream.reporting.messaging;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Topics;
import io.emostream.reporting.config.ReportingConfig;
import io.emostream.reporting.persistence.SinkBatch;
import io.emostream.reporting.persistence.SinkWriter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Consumes {@link Topics#EMOTIONS} and {@link Topics#RECORDING_STATUS} into PostgreSQL: each poll becomes one
 * database transaction; rejected records go to the dead-letter topic; offsets are committed only after the
 * transaction commits and the dead letters are acknowledged. A failed write rewinds to the batch's first offsets
 * and retries with backoff, so nothing is skipped; a row the database refuses is isolated and dead-lettered.
 */
@ApplicationScoped
public class SinkConsumer {

    /** What the health check reports. */
    public record State(boolean enabled, boolean running, Instant lastBatchAt, int consecutiveFailures,
                        String lastError) {
    }

    private final ReportingConfig.Sink config;
    private final Map<String, Object> kafkaConfig;
    private final SinkWriter writer;
    private final SinkMetrics metrics;
    private final Tracer tracer;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Instant lastBatchAt;
    private volatile int consecutiveFailures;
    private volatile String lastError;

    public SinkConsumer(ReportingConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                        SinkWriter writer, SinkMetrics metrics, Tracer tracer) {
        this.config = config.sink();
        this.kafkaConfig = kafkaConfig;
        this.writer = writer;
        this.metrics = metrics;
        this.tracer = tracer;
    }

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            Log.info("sink disabled (emostream.reporting.sink.enabled=false): not consuming");
            return;
        }
        running = true;
        thread = new Thread(this::run, "reporting-sink");
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            t.join(Duration.ofSeconds(30).toMillis());
        }
    }

    public State state() {
        Thread t = thread;
        return new State(config.enabled(), t != null && t.isAlive(), lastBatchAt, consecutiveFailures, lastError);
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             DeadLetterPublisher deadLetters = new DeadLetterPublisher(kafkaConfig)) {
            consumer = c;
            c.subscribe(List.of(Topics.EMOTIONS, Topics.RECORDING_STATUS));
            Log.infof("sink consuming %s and %s as group %s", Topics.EMOTIONS, Topics.RECORDING_STATUS,
                    config.groupId());
            Duration backoff = config.retryBackoff();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(config.pollTimeout());
                updateLag(c);
                if (records.isEmpty()) {
                    continue;
                }
                if (process(c, deadLetters, records)) {
                    backoff = config.retryBackoff();
                } else {
                    sleep(backoff);
                    backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            lastError = e.toString();
            Log.error("sink stopped by an unexpected error", e);
        } finally {
            consumer = null;
        }
    }

    /** Writes, dead-letters and commits one poll's records; false when it must be retried. */
    private boolean process(KafkaConsumer<byte[], byte[]> c, DeadLetterPublisher deadLetters,
                            ConsumerRecords<byte[], byte[]> records) {
        List<Decoded> decoded = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            decoded.add(new Decoded(r, RecordDecoder.decode(r)));
        }
        List<DeadLetterPublisher.Rejection> rejections = new ArrayList<>();
        SinkBatch batch = batchOf(decoded, rejections);
        long t0 = System.nanoTime();
        try {
            SinkWriter.Outcome outcome;
            try {
                outcome = writer.write(batch);
            } catch (SQLException e) {
                if (!refusedData(e)) {
                    throw e;
                }
                Log.warnf("database refused a row (%s); writing the batch record by record", e.getMessage());
                outcome = writeOneByOne(decoded, rejections);
            }
            long nanos = System.nanoTime() - t0;
            deadLetters.publish(rejections);
            commit(c, records);
            account(records, batch, outcome, rejections, nanos);
            traceStored(decoded, t0);
            return true;
        } catch (SQLException | ExecutionException | TimeoutException | KafkaException e) {
            if (e instanceof WakeupException w) {
                throw w;
            }
            consecutiveFailures++;
            lastError = e.toString();
            metrics.failure();
            Log.warnf("sink batch of %d records failed (%s); retrying from its first offsets", records.count(),
                    e.getMessage());
            rewind(c, records);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return false;
        }
    }

    private record Decoded(ConsumerRecord<byte[], byte[]> record, RecordDecoder.Decoded value) {
    }

    private static SinkBatch batchOf(List<Decoded> decoded, List<DeadLetterPublisher.Rejection> rejections) {
        SinkBatch.Builder b = SinkBatch.builder();
        for (Decoded d : decoded) {
            RecordDecoder.Decoded v = d.value();
            if (v instanceof RecordDecoder.Result r) {
                b.result(r.value(), KafkaTracing.traceId(d.record().headers()));
            } else if (v instanceof RecordDecoder.ResultTombstone t) {
                b.deleteResult(t.utteranceId());
            } else if (v instanceof RecordDecoder.Status s) {
                b.status(s.value(), s.at());
            } else if (v instanceof RecordDecoder.StatusTombstone t) {
                b.clearStatus(t.recordingId());
            } else if (v instanceof RecordDecoder.Rejected r) {
                rejections.add(new DeadLetterPublisher.Rejection(d.record(), r.reason(), r.detail()));
            }
        }
        return b.build();
    }

    /** One span per stored result, a child of the fuse span its record carried, from the write until the commit. */
    private void traceStored(List<Decoded> decoded, long writeStartedNanos) {
        long start = KafkaTracing.epochNanos(writeStartedNanos);
        for (Decoded d : decoded) {
            if (d.value() instanceof RecordDecoder.Result r) {
                ConsumerRecord<byte[], byte[]> rec = d.record();
                Span span = KafkaTracing.start(tracer, "store utterance", rec.topic(), r.value().utteranceId(),
                        rec.headers(), start);
                span.setAttribute("db.system.name", "postgresql");
                span.setAttribute("emostream.label", r.value().label().name());
                span.end();
            }
        }
    }

    /** The slow path after the database refused a batch: one transaction per record, refused ones dead-lettered. */
    private SinkWriter.Outcome writeOneByOne(List<Decoded> decoded, List<DeadLetterPublisher.Rejection> rejections)
            throws SQLException {
        int applied = 0;
        int deleted = 0;
        int statuses = 0;
        int recordings = 0;
        for (Decoded d : decoded) {
            if (d.value() instanceof RecordDecoder.Rejected) {
                continue;
            }
            SinkBatch single = batchOf(List.of(d), new ArrayList<>());
            try {
                SinkWriter.Outcome o = writer.write(single);
                applied += o.resultsApplied();
                deleted += o.resultsDeleted();
                statuses += o.statusesApplied();
                recordings += o.recordings();
            } catch (SQLException e) {
                if (!refusedData(e)) {
                    throw e;
                }
                rejections.add(new DeadLetterPublisher.Rejection(d.record(), FailureReason.MALFORMED_EVENT,
                        "PostgreSQL refused the row: " + e.getMessage()));
            }
        }
        return new SinkWriter.Outcome(applied, deleted, statuses, recordings);
    }

    /** Data exceptions (22), integrity violations (23) and program limits (54) are the row's fault, not the database's. */
    private static boolean refusedData(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private void commit(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        try {
            c.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // the partitions moved on: their new owner re-reads these records, and the upserts are idempotent
            Log.infof("offsets not committed after a rebalance (%s); the records will be re-read", e.getMessage());
        }
    }

    private static void rewind(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            if (c.assignment().contains(tp)) {
                c.seek(tp, records.records(tp).get(0).offset());
            }
        }
    }

    private void account(ConsumerRecords<byte[], byte[]> records, SinkBatch batch, SinkWriter.Outcome outcome,
                         List<DeadLetterPublisher.Rejection> rejections, long nanos) {
        for (TopicPartition tp : records.partitions()) {
            metrics.consumed(tp.topic(), records.records(tp).size());
        }
        for (DeadLetterPublisher.Rejection r : rejections) {
            metrics.deadLetter(r.reason());
            Log.warnf("dead-lettered %s-%d@%d: %s %s", r.record().topic(), r.record().partition(),
                    r.record().offset(), r.reason(), r.detail());
        }
        metrics.written(records.count(), outcome.resultsApplied(), outcome.recordings(), outcome.resultsDeleted(),
                Math.max(0, batch.results().size() - outcome.resultsApplied()), nanos);
        Instant now = Instant.now();
        batch.results().forEach(r -> metrics.pipelineLatency(Duration.between(r.eventTime(), now)));
        lastBatchAt = now;
        consecutiveFailures = 0;
    }

    private void updateLag(KafkaConsumer<byte[], byte[]> c) {
        long total = 0;
        for (TopicPartition tp : c.assignment()) {
            OptionalLong lag = c.currentLag(tp);
            if (lag.isPresent()) {
                total += lag.getAsLong();
            }
        }
        metrics.lag(total);
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "reporting-sink");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxBatch());
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_UTTERANCE_MESSAGE_BYTES);
        return c;
    }

    private void sleep(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        try {
            while (running && System.nanoTime() < end) {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
