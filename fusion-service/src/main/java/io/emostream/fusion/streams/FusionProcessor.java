package io.emostream.fusion.streams;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.Topics;
import io.emostream.fusion.FusionJoiner;
import io.emostream.fusion.config.FusionSettings;
import io.emostream.guard.streams.DeadlineIndex;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.logging.Log;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Joins one task's speech and text scores per utterance id and emits one fused result per utterance.
 * <ul>
 * <li>The first side of an utterance waits in the pending store until its partner comes, or until its deadline
 * (its timestamp + window + grace) passes; it is then emitted alone. Deadlines are compared with the task's
 * stream time, so a backlog (e.g. after a restart) still joins as it would have live; when the task has seen no
 * input for the idle timeout, wall-clock time is used instead, so the last utterance before a quiet period is not
 * held back.</li>
 * <li>A speech score whose utterance has no transcript is emitted alone at once.</li>
 * <li>The emitted store remembers, for a bounded time, what was emitted and from which model per side: a repeated
 * score of the same model version is dropped, the late partner of a single-modality result yields exactly one
 * {@code correction} with the same key, and a score of a new model version for a side already emitted (a re-score)
 * is emitted at once, alone, as a {@code correction} carrying only that modality.</li>
 * <li>Unusable input goes to the dead-letter topic in the same transaction and processing continues.</li>
 * <li>Each result carries the trace of a {@code fuse} span, a child of the score that completed it (or of the one
 * emitted alone) and linked to its partner's span.</li>
 * </ul>
 */
final class FusionProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    /** Room for the record overhead under the emotions topic's size limit. */
    static final int MAX_RESULT_BYTES = Topics.MAX_UTTERANCE_MESSAGE_BYTES - 64 * 1024;
    /** Parsed waiting scores kept per task; beyond this (one modality down) the oldest are re-read when needed. */
    static final int PARSED_WAITING = 5_000;
    /**
     * Most waiting scores one punctuation emits alone (~50 µs each): a backlog that expires at once (e.g. after a
     * long outage of one modality) is worked off over several ticks instead of in one long transaction.
     */
    static final int MAX_EXPIRED_PER_TICK = 5_000;

    private final FusionSettings settings;
    private final FusionJoiner joiner;
    private final FusionMetrics metrics;
    private final Tracer tracer;
    /** The service's name, in its dead letters. */
    private final String service;

    private final ScoreReader reader = new ScoreReader();
    private final DeadlineIndex index = new DeadlineIndex();
    /**
     * The waiting scores already parsed, so a join does not parse the first side twice (JSON is most of the
     * per-record cost). Bounded; the pending store stays the truth, a miss just re-reads the stored bytes.
     */
    private final Map<String, EmotionScore> parsedWaiting;

    private final long emittedBucketMs;
    /** window + grace and the idle timeout in ms, computed once (not a Duration per record on the hot path). */
    private final long waitMs;

    private final long idleTimeoutMs;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> pending;
    private WindowStore<String, byte[]> emitted;
    private long lastInputAt;
    private long lastEmittedAt;
    private long reportedPending;

    FusionProcessor(
            FusionSettings settings,
            FusionJoiner joiner,
            FusionMetrics metrics,
            Tracer tracer,
            String service,
            int parsedWaitingLimit) {
        this.settings = settings;
        this.joiner = joiner;
        this.metrics = metrics;
        this.tracer = tracer;
        this.service = service;
        this.emittedBucketMs = emittedBucketMs(settings);
        this.waitMs = settings.waitMs();
        this.idleTimeoutMs = settings.idleTimeout().toMillis();
        this.parsedWaiting = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, EmotionScore> eldest) {
                return size() > parsedWaitingLimit;
            }
        };
    }

    /** Width of the time buckets the emitted markers are stored at. */
    static long emittedBucketMs(FusionSettings settings) {
        return Math.max(1, settings.emittedRetention().toMillis() / 2);
    }

    /** How long the emitted store must keep data: markers are looked up to one retention behind the newest bucket. */
    static Duration emittedStoreRetention(FusionSettings settings) {
        return settings.emittedRetention().plusMillis(emittedBucketMs(settings));
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(TopologyProducer.PENDING_STORE);
        this.emitted = context.getStateStore(TopologyProducer.EMITTED_STORE);
        // init runs after the stores are restored: rebuild the deadline index from them
        index.clear();
        parsedWaiting.clear();
        try (KeyValueIterator<String, byte[]> all = pending.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> e = all.next();
                index.add(WaitingScore.decode(e.value).deadline(), e.key);
            }
        }
        syncPendingGauge();
        lastInputAt = context.currentSystemTimeMs();
        context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long now = context.currentSystemTimeMs();
        lastInputAt = now;
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        Side side = Side.ofTopic(meta.topic());
        ScoreReader.Read read = reader.read(side, record.key(), record.value());
        if (read instanceof ScoreReader.Invalid invalid) {
            deadLetter(
                    invalid.reason(),
                    invalid.detail(),
                    meta.topic(),
                    meta.partition(),
                    meta.offset(),
                    record.key(),
                    record.value(),
                    record.headers(),
                    record.timestamp(),
                    now);
            return;
        }
        ScoreReader.Valid valid = (ScoreReader.Valid) read;
        if (valid.remapped()) {
            metrics.remapped(side);
        }
        EmotionScore score = valid.score();
        String id = score.utteranceId();
        Header tp = record.headers() == null ? null : record.headers().lastHeader(KafkaTracing.TRACEPARENT);
        WaitingScore arrived = new WaitingScore(
                side,
                record.timestamp() + waitMs,
                record.timestamp(),
                meta.partition(),
                meta.offset(),
                tp == null ? null : new String(tp.value(), StandardCharsets.US_ASCII),
                valid.bytes());

        String model = Emitted.modelKey(score.model());
        byte[] waitingBytes = pending.get(id);
        if (waitingBytes != null) {
            WaitingScore waiting = WaitingScore.decode(waitingBytes);
            if (waiting.side() == side) {
                EmotionScore waitingScore = parsedWaiting.get(id);
                if (waitingScore == null) {
                    waitingScore = reread(id, waiting);
                }
                if (waitingScore == null || model.equals(Emitted.modelKey(waitingScore.model()))) {
                    metrics.duplicate(side); // the first one keeps waiting
                    return;
                }
                // another model version's score of a side not yet emitted: it replaces the waiting one (and keeps
                // its deadline), so the utterance is fused once, from the newest score
                pending.put(
                        id,
                        new WaitingScore(
                                        side,
                                        waiting.deadline(),
                                        arrived.timestamp(),
                                        arrived.partition(),
                                        arrived.offset(),
                                        arrived.traceparent(),
                                        arrived.score())
                                .encode());
                parsedWaiting.put(id, score);
                metrics.rescored(side);
                return;
            }
            pending.delete(id);
            index.remove(waiting.deadline(), id);
            syncPendingGauge();
            fuseBoth(id, waiting, parsedWaiting.remove(id), arrived, score, false, now);
            return;
        }

        Emitted done = lastEmitted(id, now);
        if (done != null) {
            if (done.covers(side, model)) {
                metrics.duplicate(side); // the same model's score again (a redelivery or replay)
                return;
            }
            if (done.has(side)) {
                rescore(id, done, arrived, score, model, now);
                return;
            }
            fuseBoth(id, done.single(), null, arrived, score, true, now);
            return;
        }

        if (side == Side.SPEECH && !score.hasTranscript()) {
            emitAlone(id, arrived, score, now);
            return;
        }
        pending.put(id, arrived.encode());
        parsedWaiting.put(id, score);
        index.add(arrived.deadline(), id);
        syncPendingGauge();
    }

    /** Emits every waiting score whose deadline has passed, alone. */
    private void expire(long now) {
        long horizon = context.currentStreamTimeMs();
        if (now - lastInputAt >= idleTimeoutMs) {
            horizon = Math.max(horizon, now);
        }
        for (DeadlineIndex.Due due : index.pollDue(horizon, MAX_EXPIRED_PER_TICK)) {
            byte[] bytes = pending.get(due.key());
            if (bytes == null) {
                continue;
            }
            WaitingScore waiting = WaitingScore.decode(bytes);
            pending.delete(due.key());
            EmotionScore score = parsedWaiting.remove(due.key());
            if (score == null) {
                score = reread(due.key(), waiting);
            }
            if (score != null) {
                emitAlone(due.key(), waiting, score, now);
            }
        }
        syncPendingGauge();
    }

    private void emitAlone(String id, WaitingScore input, EmotionScore score, long now) {
        EmotionScore speech = input.side() == Side.SPEECH ? score : null;
        EmotionScore text = input.side() == Side.TEXT ? score : null;
        if (emit(id, speech, text, false, input.timestamp(), now, input, null)) {
            remember(id, Emitted.alone(input, Emitted.modelKey(score.model())), now);
        } else {
            tooLarge(id, input, now);
            remember(id, Emitted.complete(null, null), now);
        }
    }

    /**
     * A score of a side already emitted, from another model version (a re-score after a model upgrade): emitted at
     * once, alone, as a {@code correction} that carries only this modality. Its reader merges it into the
     * utterance's earlier result (reporting keeps the other modality and re-fuses); a late partner of a
     * single-modality result is then fused with this newest score.
     */
    private void rescore(String id, Emitted done, WaitingScore arrived, EmotionScore score, String model, long now) {
        EmotionScore speech = arrived.side() == Side.SPEECH ? score : null;
        EmotionScore text = arrived.side() == Side.TEXT ? score : null;
        if (emit(id, speech, text, true, arrived.timestamp(), now, arrived, null)) {
            metrics.rescored(arrived.side());
            remember(id, done.rescored(arrived, model), now);
        } else {
            tooLarge(id, arrived, now);
        }
    }

    /**
     * Fuses a stored score ({@code storedScore} if already parsed, else read from its bytes) with the one that just
     * arrived; {@code correction} when the stored one was emitted alone.
     */
    private void fuseBoth(
            String id,
            WaitingScore stored,
            EmotionScore storedScore,
            WaitingScore arrived,
            EmotionScore arrivedScore,
            boolean correction,
            long now) {
        if (storedScore == null) {
            storedScore = reread(id, stored);
        }
        if (storedScore == null) {
            return;
        }
        EmotionScore speech = arrived.side() == Side.SPEECH ? arrivedScore : storedScore;
        EmotionScore text = arrived.side() == Side.TEXT ? arrivedScore : storedScore;
        if (!emit(
                id,
                speech,
                text,
                correction,
                Math.max(stored.timestamp(), arrived.timestamp()),
                now,
                arrived,
                stored)) {
            tooLarge(id, arrived, now);
            if (!correction) {
                tooLarge(id, stored, now); // the stored side was never emitted: do not lose it
            }
        }
        remember(id, Emitted.complete(Emitted.modelKey(speech.model()), Emitted.modelKey(text.model())), now);
    }

    /**
     * @param trigger the score whose arrival (or expiry) causes this result: the parent of the fuse span
     * @param partner the other side's score when fusing both, else null: linked from the fuse span
     */
    private boolean emit(
            String id,
            EmotionScore speech,
            EmotionScore text,
            boolean correction,
            long timestamp,
            long now,
            WaitingScore trigger,
            WaitingScore partner) {
        FusedEmotion fused = joiner.fuse(speech, text, correction, Instant.ofEpochMilli(now));
        byte[] value = EventSerdes.FUSED_EMOTION.serialize(Topics.EMOTIONS, fused);
        if (value.length > MAX_RESULT_BYTES) {
            return false;
        }
        Span span = KafkaTracing.start(tracer, "fuse", trigger.side().topic(), id, traceHeaders(trigger), 0);
        if (partner != null) {
            var link = Span.fromContext(KafkaTracing.extract(traceHeaders(partner)))
                    .getSpanContext();
            if (link.isValid()) {
                span.addLink(link);
            }
        }
        span.setAttribute("emostream.modalities", fused.modalities().name());
        span.setAttribute("emostream.label", fused.label().name());
        span.setAttribute("emostream.correction", correction);
        span.end();
        context.forward(
                new Record<>(key(id), value, timestamp, KafkaTracing.inject(span, new RecordHeaders())),
                TopologyProducer.EMOTIONS_SINK);
        metrics.fused(fused);
        return true;
    }

    private void tooLarge(String id, WaitingScore input, long now) {
        deadLetter(
                FailureReason.MALFORMED_EVENT,
                "the fused result would exceed the " + MAX_RESULT_BYTES + "-byte limit of " + Topics.EMOTIONS,
                input.side().topic(),
                input.partition(),
                input.offset(),
                key(id),
                input.score(),
                null,
                input.timestamp(),
                now);
    }

    /**
     * What was last emitted for this utterance, or null. Markers are stored at bucket starts (bucket = retention/2),
     * so this is three point reads (this bucket and the two before) rather than a range scan over the segments;
     * a marker written at t lies in a bucket starting after t − bucket, so it is found for at least the retention.
     */
    private Emitted lastEmitted(String id, long now) {
        long newest = bucketStart(Math.max(lastEmittedAt, now));
        for (int k = 0; k <= 2; k++) {
            byte[] v = emitted.fetch(id, newest - k * emittedBucketMs);
            if (v != null) {
                return Emitted.decode(v);
            }
        }
        return null;
    }

    private void remember(String id, Emitted what, long now) {
        // monotonic, so the newest marker is always in the newest bucket even if the wall clock steps back
        lastEmittedAt = Math.max(lastEmittedAt, now);
        emitted.put(id, what.encode(), bucketStart(lastEmittedAt));
    }

    private long bucketStart(long t) {
        return t - Math.floorMod(t, emittedBucketMs);
    }

    /** Reads back a score this processor stored; it was valid when stored, so failure means a bug, not bad input. */
    private EmotionScore reread(String id, WaitingScore stored) {
        ScoreReader.Read read = reader.read(stored.side(), key(id), stored.score());
        if (read instanceof ScoreReader.Valid v) {
            return v.score();
        }
        Log.errorf(
                "stored %s score from %s-%d@%d no longer reads (%s); skipped",
                stored.side(),
                stored.side().topic(),
                stored.partition(),
                stored.offset(),
                ((ScoreReader.Invalid) read).detail());
        return null;
    }

    private void deadLetter(
            FailureReason reason,
            String detail,
            String topic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            Headers headers,
            long timestamp,
            long now) {
        ProducerRecord<byte[], byte[]> dl = new DeadLetter(
                        reason, detail, topic, partition, offset, service, Instant.ofEpochMilli(now))
                .toRecord(key, value, headers);
        context.forward(new Record<>(dl.key(), dl.value(), timestamp, dl.headers()), TopologyProducer.DEADLETTER_SINK);
        metrics.deadLetter(topic, reason);
        Log.debugf("dead-lettered %s-%d@%d: %s %s", topic, partition, offset, reason, detail);
    }

    private static Headers traceHeaders(WaitingScore score) {
        RecordHeaders h = new RecordHeaders();
        if (score.traceparent() != null) {
            h.add(KafkaTracing.TRACEPARENT, score.traceparent().getBytes(StandardCharsets.US_ASCII));
        }
        return h;
    }

    private static byte[] key(String utteranceId) {
        return utteranceId.getBytes(StandardCharsets.UTF_8);
    }

    private void syncPendingGauge() {
        metrics.adjustPending(index.size() - reportedPending);
        reportedPending = index.size();
    }

    @Override
    public void close() {
        index.clear();
        parsedWaiting.clear();
        syncPendingGauge();
    }
}
