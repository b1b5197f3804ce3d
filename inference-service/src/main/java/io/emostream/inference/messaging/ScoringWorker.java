package io.emostream.inference.messaging;

import io.emostream.contracts.ConsumerLag;
import org.jboss.logging.Logger;
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
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One consume → score → produce loop. Records are gathered into a micro-batch (up to {@code maxBatch}, or until
 * the oldest has waited {@code maxWait}), scored in one forward pass, and the scores, dead letters and consumed
 * offsets are committed in one Kafka transaction: a crash re-scores the batch, never loses it, and downstream
 * (read_committed) never sees a score twice. The loop only polls again after the batch is committed, so work in
 * flight is bounded by one batch. On shutdown it finishes and commits the batch in progress.
 */
public final class ScoringWorker implements Runnable {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(ScoringWorker.class);

    private final String name;
    private final String inputTopic;
    private final BatchScorer<?> scorer;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> producerConfig;
    private final List<BatchScorer.Arrived> pending = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile boolean subscribed;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;

    public ScoringWorker(String name, String inputTopic, String groupId, String transactionalId,
                         Map<String, Object> kafka, BatchScorer<?> scorer, int maxBatch, Duration maxWait) {
        this.name = name;
        this.inputTopic = inputTopic;
        this.scorer = scorer;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();

        consumerConfig = filtered(kafka, ConsumerConfig.configNames());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
        consumerConfig.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-consumer");
        // a crashed worker's partitions move to the others after 10 s instead of the default 45 s
        consumerConfig.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        consumerConfig.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);

        producerConfig = filtered(kafka, ProducerConfig.configNames());
        producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, name + "-producer");
    }

    private static Map<String, Object> filtered(Map<String, Object> kafka, java.util.Set<String> names) {
        Map<String, Object> m = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (names.contains(k)) {
                m.put(k, v);
            }
        });
        return m;
    }

    public boolean isRunning() {
        return running && subscribed && stopped.getCount() > 0;
    }

    @Override
    public void run() {
        try {
            producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions(); // fences a predecessor with the same transactional id, aborting its batch
            consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(inputTopic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    flush(); // commit what we hold before the partitions move elsewhere
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.infof("%s assigned %s", name, partitions);
                }
            });
            subscribed = true;
            loop();
        } catch (Exception e) {
            LOG.errorf(e, "%s stopped on an unrecoverable error", name);
        } finally {
            running = false;
            scorer.metrics().workerStopped(this);
            closeQuietly();
            stopped.countDown();
        }
    }

    private void loop() {
        long deadline = 0;
        while (running) {
            long timeout = pending.isEmpty() ? 500 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(timeout))) {
                    if (pending.isEmpty()) {
                        deadline = System.nanoTime() + maxWaitNanos;
                    }
                    pending.add(new BatchScorer.Arrived(r, System.nanoTime()));
                }
                scorer.metrics().lag(this, ConsumerLag.of(consumer));
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
            if (pending.size() >= maxBatch || (!pending.isEmpty() && System.nanoTime() >= deadline) || !running) {
                flush();
            }
        }
    }

    /** Scores and commits everything pending, a batch at a time. */
    private void flush() {
        while (!pending.isEmpty()) {
            List<BatchScorer.Arrived> batch = new ArrayList<>(pending.subList(0, Math.min(maxBatch, pending.size())));
            commit(batch, scorer.score(batch));
            pending.subList(0, batch.size()).clear();
        }
    }

    private void commit(List<BatchScorer.Arrived> batch, List<ProducerRecord<byte[], byte[]>> outputs) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (BatchScorer.Arrived a : batch) {
            offsets.merge(new TopicPartition(a.record().topic(), a.record().partition()),
                    new OffsetAndMetadata(a.record().offset() + 1),
                    (x, y) -> x.offset() >= y.offset() ? x : y);
        }
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> r : outputs) {
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            // another instance took over this transactional id, or the producer is unusable: stop
            throw e;
        } catch (KafkaException e) {
            LOG.warnf(e, "%s: transaction failed; re-reading the batch", name);
            producer.abortTransaction();
            rewind(batch);
        }
    }

    /** After an aborted transaction, read the batch again from its first offsets. */
    private void rewind(List<BatchScorer.Arrived> batch) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (BatchScorer.Arrived a : batch) {
            first.merge(new TopicPartition(a.record().topic(), a.record().partition()), a.record().offset(), Math::min);
        }
        first.forEach((tp, off) -> {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, off);
            }
        });
        pending.clear();
    }

    /** Asks the loop to finish the batch in progress and stop; waits up to {@code timeout}. */
    public void stop(Duration timeout) {
        requestStop();
        awaitStopped(timeout);
    }

    /** Asks the loop to finish the batch in progress and stop, without waiting. */
    public void requestStop() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
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

    private void closeQuietly() {
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
    }
}
