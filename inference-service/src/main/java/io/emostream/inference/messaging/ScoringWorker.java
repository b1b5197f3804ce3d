package io.emostream.inference.messaging;

import io.emostream.contracts.ConsumerLag;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.KafkaClientConfig;
import io.emostream.contracts.Topics;
import io.emostream.guard.Attempt;
import io.emostream.guard.Failures;
import io.emostream.guard.GuardKey;
import io.emostream.guard.PoisonGuard;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One consume → score → produce loop. Records are gathered into a micro-batch (up to {@code maxBatch}, or until
 * the oldest has waited {@code maxWait}), scored in one forward pass, and the scores, dead letters and consumed
 * offsets are committed in one Kafka transaction: a crash re-scores the batch, never loses it, and downstream
 * (read_committed) never sees a score twice. The loop only polls again after the batch is committed, so work in
 * flight is bounded by one batch. On shutdown it finishes and commits the batch in progress.
 * <p>
 * Failures: an aborted transaction (an abortable error) rewinds the consumer to the first uncommitted offset of
 * everything it holds and reads it again after a back-off; an error that makes the clients unusable (fenced
 * producer, out-of-order sequence, authorization, an unexpected client error) closes both clients and creates
 * new ones after a back-off (doubling up to {@code maxBackoff}). Anything else ends {@link #run()}, and
 * {@link WorkerManager} starts a new worker. Each record is an attempt under the {@link PoisonGuard}; a record
 * whose processing throws is dead-lettered ({@code PROCESSING_FAILED}), one that kills the JVM is quarantined.
 */
public final class ScoringWorker implements Runnable {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(ScoringWorker.class);
    private final String name;
    private final String inputTopic;
    private final String groupId;
    private final RecordScorer scorer;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> producerConfig;
    private final PoisonGuard guard;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final List<BatchScorer.Arrived> pending = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile boolean subscribed;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile Throwable death;
    private Duration backoff;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;

    public ScoringWorker(
            String name,
            String inputTopic,
            String groupId,
            String transactionalId,
            Map<String, Object> kafka,
            RecordScorer scorer,
            int maxBatch,
            Duration maxWait) {
        this(
                name,
                inputTopic,
                groupId,
                transactionalId,
                kafka,
                scorer,
                maxBatch,
                maxWait,
                PoisonGuard.disabled(),
                Duration.ofSeconds(1),
                Duration.ofSeconds(30));
    }

    /**
     * @param guard      the consumer guard every record is an attempt under
     * @param minBackoff first wait after a failed transaction or unusable clients; doubles up to {@code maxBackoff}
     */
    public ScoringWorker(
            String name,
            String inputTopic,
            String groupId,
            String transactionalId,
            Map<String, Object> kafka,
            RecordScorer scorer,
            int maxBatch,
            Duration maxWait,
            PoisonGuard guard,
            Duration minBackoff,
            Duration maxBackoff) {
        this.name = name;
        this.inputTopic = inputTopic;
        this.groupId = groupId;
        this.scorer = scorer;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.guard = guard;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.backoff = minBackoff;

        consumerConfig = KafkaClientConfig.of(kafka, ConsumerConfig.configNames());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
        consumerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_UTTERANCE_MESSAGE_BYTES);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-consumer");
        // a crashed worker's partitions move to the others after 10 s instead of the default 45 s
        consumerConfig.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        consumerConfig.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);

        producerConfig = KafkaClientConfig.of(kafka, ProducerConfig.configNames());
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"); // small batches: bench/compression.sh
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_UTTERANCE_REQUEST_BYTES);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, name + "-producer");
    }

    /** The configuration this worker's consumer is built with (tests). */
    Map<String, Object> consumerConfig() {
        return Map.copyOf(consumerConfig);
    }

    /** The configuration this worker's producer is built with (tests). */
    Map<String, Object> producerConfig() {
        return Map.copyOf(producerConfig);
    }

    public String name() {
        return name;
    }

    /** Consuming: subscribed and its loop running (readiness). */
    public boolean isRunning() {
        return running && subscribed && stopped.getCount() > 0;
    }

    /** Its loop has not ended (it may be waiting out a back-off). */
    public boolean isAlive() {
        return stopped.getCount() > 0;
    }

    /** How long since the loop last showed progress (a poll returned, a batch committed, a back-off began). */
    public Duration sinceProgress() {
        return Duration.ofNanos(System.nanoTime() - lastProgressNanos);
    }

    /** Why the loop ended, if it ended on an error; null otherwise. */
    public Throwable death() {
        return death;
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    openClients();
                    loop();
                } catch (InterruptException e) {
                    throw e; // interrupted: this worker is to end
                } catch (WakeupException e) {
                    if (running) {
                        recoverClients(e);
                    }
                } catch (KafkaException e) {
                    recoverClients(e);
                }
            }
        } catch (Throwable e) {
            death = e;
            LOG.errorf(e, "%s stopped on an unrecoverable error", name);
        } finally {
            running = false;
            subscribed = false;
            scorer.metrics().workerStopped(this);
            closeClients();
            stopped.countDown();
        }
    }

    private void openClients() {
        producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions(); // fences a predecessor with the same transactional id, aborting its batch
        consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(inputTopic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                flush(); // commit what we hold before the partitions move elsewhere
                scorer.release(partitions); // held back, so not committed: the new owner reads it again
                guard.release(keys(partitions));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                pending.clear(); // already someone else's: their new owner re-reads them
                scorer.release(partitions);
                guard.forget(keys(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                LOG.infof("%s assigned %s", name, partitions);
            }
        });
        subscribed = true;
    }

    /** The clients are unusable: drop what is held (uncommitted, so it is read again), close, wait, start over. */
    private void recoverClients(KafkaException e) {
        LOG.errorf(
                e,
                "%s: its Kafka clients failed (%s); uncommitted work is read again by new clients in %s",
                name,
                e.getClass().getSimpleName(),
                backoff);
        scorer.metrics().clientsRecreated();
        subscribed = false;
        pending.clear();
        scorer.releaseAll();
        closeClients();
        pause();
    }

    private void loop() {
        long deadline = 0;
        while (running) {
            long timeout = pending.isEmpty() ? 500 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
            try {
                long pollStart = System.nanoTime();
                var records = consumer.poll(Duration.ofMillis(timeout));
                scorer.metrics().poll(System.nanoTime() - pollStart, !records.isEmpty());
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (pending.isEmpty()) {
                        deadline = System.nanoTime() + maxWaitNanos;
                    }
                    pending.add(new BatchScorer.Arrived(r, System.nanoTime()));
                }
                lastProgressNanos = System.nanoTime();
                scorer.metrics().lag(this, ConsumerLag.of(consumer));
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
            if (pending.size() >= maxBatch || (!pending.isEmpty() && System.nanoTime() >= deadline) || !running) {
                flush();
            } else if (pending.isEmpty()) {
                expire();
            }
        }
    }

    /** Scores and commits everything pending, a batch at a time; after an aborted transaction, everything is re-read. */
    private void flush() {
        while (!pending.isEmpty()) {
            int n = Math.min(maxBatch, pending.size());
            List<BatchScorer.Arrived> batch = new ArrayList<>(pending.subList(0, n));
            long start = System.nanoTime();
            List<ProducerRecord<byte[], byte[]>> outputs = score(batch);
            long scored = System.nanoTime();
            scorer.metrics().score(scored - start);
            boolean committed = commit(batch, outputs);
            scorer.metrics().commit(System.nanoTime() - scored);
            if (!committed) {
                return;
            }
            pending.subList(0, n).clear();
            lastProgressNanos = System.nanoTime();
            backoff = minBackoff;
        }
    }

    /** Commits what the scorer releases from records it held too long (nothing for most scorers). */
    private void expire() {
        List<ProducerRecord<byte[], byte[]>> outputs = scorer.expire(System.nanoTime());
        if (!outputs.isEmpty() && commit(List.of(), outputs)) {
            lastProgressNanos = System.nanoTime();
        }
    }

    /**
     * Score records and dead letters for a batch, each record an attempt under the guard. In careful mode (the
     * service died on one of these partitions) records are scored one at a time, each after its marker.
     */
    private List<ProducerRecord<byte[], byte[]>> score(List<BatchScorer.Arrived> batch) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        if (batch.stream().anyMatch(a -> guard.careful(key(a), a.record().offset()))) {
            for (BatchScorer.Arrived a : batch) {
                Attempt attempt = guard.before(key(a), a.record().offset());
                try {
                    if (attempt.quarantined()) {
                        ConsumerRecord<byte[], byte[]> r = a.record();
                        scorer.metrics().deadLettered(FailureReason.PROCESSING_CRASHED);
                        out.add(attempt.deadLetter(guard.service(), r.key(), r.value(), r.headers()));
                        out.addAll(scorer.quarantined(a));
                    } else {
                        out.addAll(scoreGuarded(List.of(a)));
                    }
                } finally {
                    guard.after(attempt);
                }
            }
            return out;
        }
        List<Attempt> attempts = new ArrayList<>(batch.size());
        try {
            List<BatchScorer.Arrived> toScore = new ArrayList<>(batch.size());
            for (BatchScorer.Arrived a : batch) {
                Attempt attempt = guard.before(key(a), a.record().offset());
                attempts.add(attempt);
                if (attempt.quarantined()) { // careful mode began in the meantime (another thread's partition)
                    ConsumerRecord<byte[], byte[]> r = a.record();
                    scorer.metrics().deadLettered(FailureReason.PROCESSING_CRASHED);
                    out.add(attempt.deadLetter(guard.service(), r.key(), r.value(), r.headers()));
                    out.addAll(scorer.quarantined(a));
                } else {
                    toScore.add(a);
                }
            }
            out.addAll(scoreGuarded(toScore));
            return out;
        } finally {
            attempts.forEach(guard::after);
        }
    }

    /** Scores; a record whose processing throws (not a model failure, which the scorer handles) is dead-lettered. */
    private List<ProducerRecord<byte[], byte[]>> scoreGuarded(List<BatchScorer.Arrived> batch) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<BatchScorer.Arrived> ok = new ArrayList<>(batch.size());
        for (BatchScorer.Arrived a : batch) {
            try {
                guard.injectFaults(a.record().key());
                ok.add(a);
            } catch (RuntimeException e) {
                out.add(failed(a, e));
            }
        }
        try {
            out.addAll(scorer.score(ok));
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: scoring a batch of %d threw; scoring its records one by one", name, ok.size());
            for (BatchScorer.Arrived a : ok) {
                try {
                    out.addAll(scorer.score(List.of(a)));
                } catch (RuntimeException one) {
                    out.add(failed(a, one));
                }
            }
        }
        return out;
    }

    private ProducerRecord<byte[], byte[]> failed(BatchScorer.Arrived a, RuntimeException e) {
        ConsumerRecord<byte[], byte[]> r = a.record();
        LOG.errorf(e, "%s: processing %s-%d@%d threw; dead-lettered", name, r.topic(), r.partition(), r.offset());
        scorer.metrics().deadLettered(FailureReason.PROCESSING_FAILED);
        return Failures.deadLetter(r, guard.service(), e);
    }

    private GuardKey key(BatchScorer.Arrived a) {
        return new GuardKey(groupId, a.record().topic(), a.record().partition());
    }

    private List<GuardKey> keys(Collection<TopicPartition> partitions) {
        return partitions.stream()
                .map(tp -> new GuardKey(groupId, tp.topic(), tp.partition()))
                .toList();
    }

    /**
     * Commits the batch's outputs and offsets in one transaction; false when it was aborted (and rewound). The
     * scorer has the last word on the offsets (none past a record it still holds back).
     */
    private boolean commit(List<BatchScorer.Arrived> batch, List<ProducerRecord<byte[], byte[]>> outputs) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (BatchScorer.Arrived a : batch) {
            offsets.merge(
                    new TopicPartition(a.record().topic(), a.record().partition()),
                    new OffsetAndMetadata(a.record().offset() + 1),
                    (x, y) -> x.offset() >= y.offset() ? x : y);
        }
        offsets = scorer.offsets(offsets);
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> r : outputs) {
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            return true;
        } catch (ProducerFencedException
                | InvalidProducerEpochException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException
                | InterruptException e) {
            throw e; // the producer is unusable: new clients (run) or the end of this worker (interrupt)
        } catch (KafkaException e) {
            LOG.warnf("%s: transaction failed (%s); re-reading its records in %s", name, e.getMessage(), backoff);
            scorer.metrics().transactionAborted();
            producer.abortTransaction();
            rewind();
            pause();
            return false;
        }
    }

    /**
     * After an aborted transaction: every partition we hold records of (pending, or held back by the scorer) goes
     * back to its committed offset, and what was held is forgotten, so all of it is read again.
     */
    private void rewind() {
        Set<TopicPartition> partitions = new HashSet<>(scorer.offsets(Map.of()).keySet());
        for (BatchScorer.Arrived a : pending) {
            partitions.add(new TopicPartition(a.record().topic(), a.record().partition()));
        }
        partitions.retainAll(consumer.assignment());
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            if (c == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, c.offset());
            }
        }
        pending.clear();
        scorer.releaseAll();
    }

    /** Waits the current back-off (cut short by a stop request), then doubles it. */
    private void pause() {
        lastProgressNanos = System.nanoTime();
        long end = System.nanoTime() + backoff.toNanos();
        while (running && System.nanoTime() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
        lastProgressNanos = System.nanoTime();
    }

    /** Asks the loop to finish the batch in progress and stop; waits up to {@code timeout}. */
    public void stop(Duration timeout) {
        requestStop();
        awaitStopped(timeout);
    }

    /** Asks the loop to finish the batch in progress and stop, without waiting. */
    public void requestStop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Waits up to {@code timeout} for the loop to have committed its last batch and closed its clients. */
    public void awaitStopped(Duration timeout) {
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("%s did not drain within %s", name, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClients() {
        try {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
            }
        } catch (Exception ignored) {
            // closing anyway
        }
        try {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        } catch (Exception ignored) {
            // closing anyway
        }
        consumer = null;
        producer = null;
    }
}
