package io.emostream.reporting.messaging;

import io.emostream.contracts.ConsumerLag;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.ServiceThreads;
import io.emostream.contracts.Topics;
import io.emostream.guard.Attempt;
import io.emostream.guard.Failures;
import io.emostream.guard.GuardKey;
import io.emostream.guard.PoisonGuard;
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
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Consumes {@link Topics#EMOTIONS} and {@link Topics#RECORDING_STATUS} into PostgreSQL: each poll becomes one
 * database transaction; rejected records go to the dead-letter topic; offsets are committed only after the
 * transaction commits and the dead letters are acknowledged. A failed write rewinds to the batch's first offsets
 * and retries with backoff, so nothing is skipped; a row the database refuses is isolated and dead-lettered.
 * <p>
 * Each record is an attempt under the {@link PoisonGuard}: a record whose processing throws is dead-lettered
 * ({@code PROCESSING_FAILED}); one that kills the JVM is quarantined after a few attempts; in careful mode records
 * are written one per transaction. When the consumer loop dies on an unexpected error it is started again after a
 * back-off; liveness is down while it is not running or makes no progress for {@code stuck-after}.
 */
@ApplicationScoped
public class SinkConsumer {

    /** What the health check reports. */
    public record State(
            boolean enabled,
            boolean running,
            Instant lastBatchAt,
            int consecutiveFailures,
            String lastError,
            int restarts,
            Duration sinceProgress) {}

    private final ReportingConfig.Sink config;
    private final Map<String, Object> kafkaConfig;
    private final SinkWriter writer;
    private final ReportingMetrics metrics;
    private final Tracer tracer;
    private final PoisonGuard guard;
    private volatile boolean running;
    private volatile boolean consuming;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile int restarts;
    private final ServiceThreads threads = new ServiceThreads();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Instant lastBatchAt;
    private volatile int consecutiveFailures;
    private volatile String lastError;

    public SinkConsumer(
            ReportingConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            SinkWriter writer,
            ReportingMetrics metrics,
            Tracer tracer,
            PoisonGuard guard) {
        this.config = config.sink();
        this.kafkaConfig = kafkaConfig;
        this.writer = writer;
        this.metrics = metrics;
        this.tracer = tracer;
        this.guard = guard;
    }

    void start(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            Log.info("sink disabled (emostream.reporting.sink.enabled=false): not consuming");
            return;
        }
        running = true;
        threads.start("reporting-sink", false, this::supervise);
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        threads.stop(Duration.ofSeconds(30));
    }

    public State state() {
        Duration since = Duration.ofNanos(System.nanoTime() - lastProgressNanos);
        boolean up = consuming && since.compareTo(config.stuckAfter()) <= 0;
        return new State(config.enabled(), up, lastBatchAt, consecutiveFailures, lastError, restarts, since);
    }

    /** Runs the consumer loop; when it dies on an unexpected error, starts it again after a back-off. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer (this thread); health and metrics only read
    private void supervise() {
        Duration backoff = config.retryBackoff();
        while (running) {
            long started = System.nanoTime();
            try {
                run();
            } catch (Throwable e) {
                lastError = e.toString();
                Log.errorf(e, "sink consumer died; starting it again in %s", backoff);
            }
            if (!running) {
                return;
            }
            Thread.interrupted(); // an interrupt ended that run, not the service (shutdown clears `running`)
            restarts++;
            metrics.restarted();
            if (System.nanoTime() - started > Duration.ofMinutes(1).toNanos()) {
                backoff = config.retryBackoff();
            }
            sleep(backoff);
            backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
        }
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                        consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                DeadLetterPublisher deadLetters = new DeadLetterPublisher(kafkaConfig, guard.service())) {
            consumer = c;
            consuming = true;
            c.subscribe(List.of(Topics.EMOTIONS, Topics.RECORDING_STATUS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    guard.release(keys(partitions)); // each poll is committed before the next: nothing in flight
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    guard.forget(keys(partitions));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // opened lazily, at each partition's first record
                }
            });
            Log.infof(
                    "sink consuming %s and %s as group %s", Topics.EMOTIONS, Topics.RECORDING_STATUS, config.groupId());
            Duration backoff = config.retryBackoff();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(config.pollTimeout());
                lastProgressNanos = System.nanoTime();
                updateLag(c);
                if (records.isEmpty()) {
                    continue;
                }
                if (processGuarded(c, deadLetters, records)) {
                    backoff = config.retryBackoff();
                } else {
                    sleep(backoff);
                    backoff = min(backoff.multipliedBy(2), config.maxRetryBackoff());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consuming = false;
            consumer = null;
        }
    }

    private static GuardKey key(String topic, int partition, String group) {
        return new GuardKey(group, topic, partition);
    }

    private List<GuardKey> keys(Collection<TopicPartition> partitions) {
        return partitions.stream()
                .map(tp -> key(tp.topic(), tp.partition(), config.groupId()))
                .toList();
    }

    /**
     * One poll's records under the consumer guard: normally as one batch; in careful mode (the service died on one
     * of these partitions) one record per transaction, each after its marker, a quarantined one dead-lettered.
     */
    private boolean processGuarded(
            KafkaConsumer<byte[], byte[]> c, DeadLetterPublisher deadLetters, ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(records.count());
        records.forEach(all::add);
        boolean careful = false;
        for (ConsumerRecord<byte[], byte[]> r : all) {
            careful |= guard.careful(key(r.topic(), r.partition(), config.groupId()), r.offset());
        }
        if (!careful) {
            List<Attempt> attempts = new ArrayList<>(all.size());
            boolean quarantine = false;
            try {
                for (ConsumerRecord<byte[], byte[]> r : all) {
                    Attempt a = guard.before(key(r.topic(), r.partition(), config.groupId()), r.offset());
                    attempts.add(a);
                    quarantine |= a.quarantined();
                }
                if (!quarantine) {
                    return process(c, deadLetters, all, null);
                }
            } finally {
                attempts.forEach(guard::after);
            }
            // careful mode began in the meantime (another thread's partition): record by record below
        }
        for (int i = 0; i < all.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = all.get(i);
            Attempt a = guard.before(key(r.topic(), r.partition(), config.groupId()), r.offset());
            boolean ok;
            try {
                ok = process(c, deadLetters, List.of(r), a.quarantined() ? a : null);
            } finally {
                guard.after(a);
            }
            if (!ok) {
                rewind(c, all.subList(i, all.size()));
                return false;
            }
        }
        return true;
    }

    /**
     * Writes, dead-letters and commits records; false when it must be retried (then rewound).
     *
     * @param quarantined the guard's verdict when the one record given is quarantined: only dead-lettered
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer (the consumer thread); health and metrics only read
    private boolean process(
            KafkaConsumer<byte[], byte[]> c,
            DeadLetterPublisher deadLetters,
            List<ConsumerRecord<byte[], byte[]>> records,
            Attempt quarantined) {
        List<Decoded> decoded = new ArrayList<>(records.size());
        List<DeadLetterPublisher.Rejection> rejections = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (quarantined != null) {
                rejections.add(
                        new DeadLetterPublisher.Rejection(r, FailureReason.PROCESSING_CRASHED, quarantined.detail()));
                continue;
            }
            try {
                guard.injectFaults(r.key());
                decoded.add(new Decoded(r, RecordDecoder.decode(r)));
            } catch (RuntimeException e) {
                Log.errorf(e, "processing %s-%d@%d threw", r.topic(), r.partition(), r.offset());
                rejections.add(
                        new DeadLetterPublisher.Rejection(r, FailureReason.PROCESSING_FAILED, Failures.describe(e)));
            }
        }
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
            } catch (RuntimeException e) {
                if (!running) {
                    throw e; // shutting down: not the records' fault
                }
                Log.warnf(e, "writing a batch threw; writing it record by record");
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
            Log.warnf(
                    "sink batch of %d records failed (%s); retrying from its first offsets",
                    records.size(), e.getMessage());
            rewind(c, records);
            return false;
        } catch (InterruptedException e) {
            // shutdown stops the loop through `running` and a wakeup; an interrupt ends this run of it
            throw new org.apache.kafka.common.errors.InterruptException(e);
        }
    }

    private record Decoded(ConsumerRecord<byte[], byte[]> record, RecordDecoder.Decoded value) {}

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
                Span span = KafkaTracing.start(
                        tracer, "store utterance", rec.topic(), r.value().utteranceId(), rec.headers(), start);
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
                rejections.add(new DeadLetterPublisher.Rejection(
                        d.record(), FailureReason.MALFORMED_EVENT, "PostgreSQL refused the row: " + e.getMessage()));
            } catch (RuntimeException e) {
                if (!running) {
                    throw e;
                }
                rejections.add(new DeadLetterPublisher.Rejection(
                        d.record(), FailureReason.PROCESSING_FAILED, Failures.describe(e)));
            }
        }
        return new SinkWriter.Outcome(applied, deleted, statuses, recordings);
    }

    /** Data exceptions (22), integrity violations (23) and program limits (54) are the row's fault, not the database's. */
    private static boolean refusedData(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private void commit(KafkaConsumer<byte[], byte[]> c, List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            offsets.merge(
                    new TopicPartition(r.topic(), r.partition()),
                    new OffsetAndMetadata(r.offset() + 1),
                    (x, y) -> x.offset() >= y.offset() ? x : y);
        }
        try {
            c.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // the partitions moved on: their new owner re-reads these records, and the upserts are idempotent
            Log.infof("offsets not committed after a rebalance (%s); the records will be re-read", e.getMessage());
        }
    }

    /** Back to the first offset of each partition among {@code records}, to read them again. */
    private static void rewind(KafkaConsumer<byte[], byte[]> c, List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach((tp, offset) -> {
            if (c.assignment().contains(tp)) {
                c.seek(tp, offset);
            }
        });
    }

    private void account(
            List<ConsumerRecord<byte[], byte[]>> records,
            SinkBatch batch,
            SinkWriter.Outcome outcome,
            List<DeadLetterPublisher.Rejection> rejections,
            long nanos) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            metrics.consumed(r.topic(), 1);
        }
        for (DeadLetterPublisher.Rejection r : rejections) {
            metrics.deadLetter(r.reason());
            Log.warnf(
                    "dead-lettered %s-%d@%d: %s %s",
                    r.record().topic(), r.record().partition(), r.record().offset(), r.reason(), r.detail());
        }
        metrics.written(
                records.size(),
                outcome.resultsApplied(),
                outcome.recordings(),
                outcome.resultsDeleted(),
                Math.max(0, batch.results().size() - outcome.resultsApplied()),
                nanos);
        Instant now = Instant.now();
        batch.results().forEach(r -> metrics.pipelineLatency(Duration.between(r.eventTime(), now)));
        lastBatchAt = now;
        consecutiveFailures = 0;
        lastProgressNanos = System.nanoTime();
    }

    private void updateLag(KafkaConsumer<byte[], byte[]> c) {
        metrics.lag(ConsumerLag.of(c));
    }

    private Map<String, Object> consumerConfig() {
        return consumerConfig(kafkaConfig, config.groupId(), config.maxBatch());
    }

    /** The sink consumer's settings: the service's Kafka settings (security included) plus its own. */
    static Map<String, Object> consumerConfig(Map<String, Object> kafkaConfig, String groupId, int maxBatch) {
        Map<String, Object> c = KafkaClientConfig.of(kafkaConfig, ConsumerConfig.configNames());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "reporting-sink");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_UTTERANCE_MESSAGE_BYTES);
        // a dead instance's partitions move to the others (or to its restart) after 10 s instead of the default 45 s
        c.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
        return c;
    }

    private void sleep(Duration d) {
        lastProgressNanos = System.nanoTime(); // waiting out a back-off is not being stuck
        long end = System.nanoTime() + d.toNanos();
        try {
            while (running && System.nanoTime() < end) {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            // cut short; shutdown is signalled through `running`
        }
        lastProgressNanos = System.nanoTime();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
