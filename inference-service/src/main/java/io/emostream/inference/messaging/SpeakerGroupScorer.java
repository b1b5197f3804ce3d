package io.emostream.inference.messaging;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.JsonSerde;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.models.Prediction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Scores {@link io.emostream.contracts.Topics#UTTERANCES_AUDIO_SPEAKER}: holds each speaker's utterances (by record
 * key, one (recording, speaker) each) until the group's {@link SpeakerGroups.End} marker arrives, then scores them
 * together with {@code predictGroup} (the speech model's speaker-aware scoring: each utterance relative to the
 * speaker's other speech in the recording; a group below the model's minimum gets the speaker-independent scores)
 * and emits each score under its utterance id. The same group gives the same scores whatever the order or batching
 * of its records.
 * <p>
 * Exactly once: a partition's groups are released in the order they began, so no output passes a group still open,
 * and no offset is committed past the first record of the first unreleased group ({@link #offsets}). A crash or a
 * rebalance re-reads from there and emits what was not emitted, nothing twice. Ingest writes a recording's groups
 * and their end markers in one transaction, so a group is open only while its records are being read.
 * <p>
 * Bad input: a record that cannot be decoded is dead-lettered and left out of its group; an unreadable end marker
 * is dead-lettered and still ends the group of its key; a group whose end does not come (a producer that broke the
 * protocol) is scored as it is {@code openFor} after its first record arrived, or as soon as it holds {@code
 * maxUtterances} (later records of its key start a new group), so it can neither hold back the groups behind it on
 * its partition for longer than that (a producer trickling records into it does not extend it) nor grow without
 * bound; a quarantined end marker (scoring its group killed the service) dead-letters the group's utterances.
 * One instance per worker: it keeps that worker's groups.
 */
final class SpeakerGroupScorer implements RecordScorer {

    private static final Logger LOG = Logger.getLogger(SpeakerGroupScorer.class);

    private final BatchScorer<float[]> scorer;
    private final Function<List<float[]>, List<Prediction>> predictGroup;
    private final int minGroup;
    private final long openForNanos;
    private final int maxUtterances;
    /** Open groups by record key. */
    private final Map<String, Group> open = new HashMap<>();
    /** Per partition, its groups not yet released (open, or done and waiting for an earlier one), oldest first. */
    private final Map<TopicPartition, ArrayDeque<Group>> unreleased = new HashMap<>();
    /** Per partition, the offset after the last record scored. */
    private final Map<TopicPartition, Long> next = new HashMap<>();

    /** One speaker's group: its records in arrival order. */
    private static final class Group {
        final String key;
        final TopicPartition partition;
        final long firstOffset;
        final long firstArrivedNanos;
        final List<BatchScorer.Arrived> records = new ArrayList<>();
        /** Its end has come (or it expired): it is scored once every group that began before it is done. */
        boolean done;
        /** Non-null: its end marker was quarantined, so its utterances are dead-lettered with this detail. */
        String crashed;

        Group(String key, TopicPartition partition, long firstOffset, long firstArrivedNanos) {
            this.key = key;
            this.partition = partition;
            this.firstOffset = firstOffset;
            this.firstArrivedNanos = firstArrivedNanos;
        }
    }

    /**
     * @param scorer       decodes the grouped records ({@link Inputs#groupedAudio}) and writes their score records
     * @param predictGroup scores one speaker's utterances together (e.g. {@code SpeechEmotionModel::predictSpeaker})
     * @param minGroup     the fewest utterances {@code predictGroup} scores speaker-aware: smaller groups released
     *                     together are scored in one batch by the model's own predict (their scores are the same)
     * @param openFor      how long after its first record arrived a group is scored without its end marker
     * @param maxUtterances the most records a group holds: one that reaches it without its end marker is scored as
     *                     it is (at least ingest's {@code speaker-group-max-utterances}, so that no group ingest
     *                     writes is split)
     */
    SpeakerGroupScorer(
            BatchScorer<float[]> scorer,
            Function<List<float[]>, List<Prediction>> predictGroup,
            int minGroup,
            Duration openFor,
            int maxUtterances) {
        if (maxUtterances < 1) {
            throw new IllegalArgumentException("maxUtterances must be at least 1, got " + maxUtterances);
        }
        this.scorer = scorer;
        this.predictGroup = predictGroup;
        this.minGroup = minGroup;
        this.openForNanos = openFor.toNanos();
        this.maxUtterances = maxUtterances;
    }

    @Override
    public InferenceMetrics metrics() {
        return scorer.metrics();
    }

    @Override
    public List<ProducerRecord<byte[], byte[]>> score(List<BatchScorer.Arrived> batch) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (BatchScorer.Arrived a : batch) {
            ConsumerRecord<byte[], byte[]> r = a.record();
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            next.merge(tp, r.offset() + 1, Math::max);
            String key = key(r);
            if (!SpeakerGroups.isEnd(r.headers())) {
                Group g = open.computeIfAbsent(key, k -> {
                    Group created = new Group(k, tp, r.offset(), a.arrivedNanos());
                    unreleased.computeIfAbsent(tp, p -> new ArrayDeque<>()).addLast(created);
                    return created;
                });
                g.records.add(a);
                if (g.records.size() >= maxUtterances) {
                    open.remove(key);
                    LOG.warnf(
                            "speaker group %s: %d utterance records without an end marker; scoring them as a group, "
                                    + "later records of its key start a new one",
                            key, g.records.size());
                    g.done = true;
                }
                continue;
            }
            SpeakerGroups.End end = null;
            try {
                end = SpeakerGroups.end(r.value());
                if (!SpeakerGroups.key(end.recordingId(), end.speaker()).equals(key)) {
                    throw new JsonSerde.MalformedEventException(
                            FailureReason.INVALID_KEY,
                            "record key '" + key + "' is not the group key of " + end.recordingId() + " / "
                                    + end.speaker(),
                            null);
                }
            } catch (JsonSerde.MalformedEventException e) {
                out.add(scorer.deadLetter(r, e.reason(), e.getMessage()));
                end = null;
            }
            Group g = open.remove(key); // a bad marker still ends its key's group: nothing waits for another one
            if (g != null) {
                if (end != null && end.utterances() != g.records.size()) {
                    LOG.warnf(
                            "speaker group %s: %d utterance records before its end marker, which counts %d",
                            key, g.records.size(), end.utterances());
                }
                g.done = true;
            }
        }
        out.addAll(release());
        return out;
    }

    /**
     * Scores the groups whose first record arrived {@code openFor} ago or longer as they are (their end marker is not
     * coming), and returns what that releases.
     */
    @Override
    public List<ProducerRecord<byte[], byte[]>> expire(long nowNanos) {
        boolean any = false;
        for (Iterator<Group> it = open.values().iterator(); it.hasNext(); ) {
            Group g = it.next();
            if (nowNanos - g.firstArrivedNanos >= openForNanos) {
                it.remove();
                LOG.warnf(
                        "speaker group %s: no end marker within %d s of its first record; scoring its %d utterances",
                        g.key, Duration.ofNanos(openForNanos).toSeconds(), g.records.size());
                g.done = true;
                any = true;
            }
        }
        return any ? release() : List.of();
    }

    /**
     * Scores each partition's done groups up to its first open one and returns their outputs: a group of at least
     * {@code minGroup} utterances with {@code predictGroup}, the smaller ones all together in one batch.
     */
    private List<ProducerRecord<byte[], byte[]>> release() {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        List<BatchScorer.Arrived> small = new ArrayList<>();
        for (ArrayDeque<Group> q : unreleased.values()) {
            while (!q.isEmpty() && q.peekFirst().done) {
                Group g = q.pollFirst();
                if (g.crashed != null) {
                    for (BatchScorer.Arrived a : g.records) {
                        out.add(scorer.deadLetter(a.record(), FailureReason.PROCESSING_CRASHED, g.crashed));
                    }
                } else if (g.records.size() >= minGroup) {
                    out.addAll(scoreOrDeadLetter(g.records, true));
                } else {
                    small.addAll(g.records);
                }
            }
        }
        unreleased.values().removeIf(ArrayDeque::isEmpty);
        if (!small.isEmpty()) {
            out.addAll(scoreOrDeadLetter(small, false));
        }
        return out;
    }

    /**
     * The records' outputs; should scoring throw (the scorer dead-letters what the model fails on, so only a defect
     * gets here), each record is dead-lettered with the reason: a released group is never lost nor read twice.
     */
    private List<ProducerRecord<byte[], byte[]>> scoreOrDeadLetter(List<BatchScorer.Arrived> records, boolean group) {
        try {
            return group ? scorer.score(records, predictGroup) : scorer.score(records);
        } catch (RuntimeException e) {
            LOG.errorf(e, "scoring %d speaker-group utterances threw; dead-lettering them", records.size());
            String detail = "scoring its speaker group threw: " + e;
            return records.stream()
                    .map(a -> scorer.deadLetter(a.record(), FailureReason.PROCESSING_FAILED, detail))
                    .toList();
        }
    }

    /** Per partition, the first offset of its first unreleased group. */
    private Map<TopicPartition, Long> held() {
        Map<TopicPartition, Long> first = new HashMap<>();
        unreleased.forEach((tp, q) -> first.put(tp, q.peekFirst().firstOffset));
        return first;
    }

    /** Every partition this scorer has read: the offset after its last record, or its first unreleased group's. */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> offsets(Map<TopicPartition, OffsetAndMetadata> batch) {
        Map<TopicPartition, Long> held = held();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        next.forEach((tp, n) -> offsets.put(tp, new OffsetAndMetadata(Math.min(n, held.getOrDefault(tp, n)))));
        return offsets;
    }

    @Override
    public void release(Collection<TopicPartition> partitions) {
        open.values().removeIf(g -> partitions.contains(g.partition));
        unreleased.keySet().removeAll(partitions);
        next.keySet().removeAll(partitions);
    }

    @Override
    public void releaseAll() {
        open.clear();
        unreleased.clear();
        next.clear();
    }

    @Override
    public List<ProducerRecord<byte[], byte[]>> quarantined(BatchScorer.Arrived a) {
        ConsumerRecord<byte[], byte[]> r = a.record();
        next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
        Group g = SpeakerGroups.isEnd(r.headers()) ? open.remove(key(r)) : null;
        if (g == null) {
            return release();
        }
        g.crashed = "scoring this utterance's speaker group (" + g.records.size()
                + " utterances) killed the service on every attempt; its end marker was quarantined";
        g.done = true;
        return release();
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }
}
