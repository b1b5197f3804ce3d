package io.emostream.ingest.streams;

import io.emostream.contracts.Json;
import io.emostream.guard.streams.DeadlineIndex;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a task's recordings and transcripts meet, whichever comes first: recordings waiting for their transcript
 * (until their {@code transcript-wait} deadline) and transcripts waiting for their recording (until
 * {@code transcript-retention} after they came). Both live in changelogged stores, the truth; each store has an
 * in-memory {@link DeadlineIndex}, rebuilt from it when the task initialises, so expiry reads only what is due
 * instead of scanning both stores every tick. Every change goes through here, which keeps store and index in step.
 */
final class TranscriptRendezvous {

    private final KeyValueStore<String, byte[]> waiting;
    private final KeyValueStore<String, byte[]> transcripts;
    private final long retentionMs;
    private final IngestMetrics metrics;
    private final DeadlineIndex waitingByDeadline = new DeadlineIndex();
    private final DeadlineIndex transcriptsByDeadline = new DeadlineIndex();
    /** What this instance added to the awaiting-transcript gauge, taken back when the task closes. */
    private long awaitingReported;

    /** Called when the task initialises, after its stores are restored: indexes what they hold. */
    TranscriptRendezvous(
            KeyValueStore<String, byte[]> waiting,
            KeyValueStore<String, byte[]> transcripts,
            Duration retention,
            IngestMetrics metrics) {
        this.waiting = waiting;
        this.transcripts = transcripts;
        this.retentionMs = retention.toMillis();
        this.metrics = metrics;
        try (KeyValueIterator<String, byte[]> it = waiting.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                waitingByDeadline.add(read(kv.value, WaitingRecording.class).deadlineMs(), kv.key);
                awaiting(1);
            }
        }
        try (KeyValueIterator<String, byte[]> it = transcripts.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                transcriptsByDeadline.add(deadline(read(kv.value, KeptTranscript.class)), kv.key);
            }
        }
    }

    // ---- recordings waiting for their transcript ---------------------------------------------------------------

    /** The recording waiting for this transcript, if any. */
    Optional<WaitingRecording> waitingFor(String id) {
        byte[] w = waiting.get(id);
        return w == null ? Optional.empty() : Optional.of(read(w, WaitingRecording.class));
    }

    /** A recording waits for its transcript (again, with a new deadline, if it was already waiting). */
    void await(String id, WaitingRecording w) {
        byte[] previous = waiting.get(id);
        if (previous == null) {
            awaiting(1);
        } else {
            waitingByDeadline.remove(read(previous, WaitingRecording.class).deadlineMs(), id);
        }
        waiting.put(id, write(w));
        waitingByDeadline.add(w.deadlineMs(), id);
    }

    /** A waiting recording goes on (its transcript came or its wait ended). */
    void stopWaiting(String id, WaitingRecording w) {
        waiting.delete(id);
        waitingByDeadline.remove(w.deadlineMs(), id);
        awaiting(-1);
    }

    /**
     * The recordings whose wait ended by {@code now}, earliest deadline first, at most {@code limit}. They stay in
     * the store until each is {@link #stopWaiting released}.
     */
    List<KeyValue<String, WaitingRecording>> waitOver(long now, int limit) {
        List<KeyValue<String, WaitingRecording>> due = new ArrayList<>();
        for (DeadlineIndex.Due d : waitingByDeadline.pollDue(now, limit)) {
            byte[] w = waiting.get(d.key());
            if (w != null) {
                due.add(KeyValue.pair(d.key(), read(w, WaitingRecording.class)));
            }
        }
        return due;
    }

    // ---- transcripts waiting for their recording ---------------------------------------------------------------

    /** Keeps a transcript until its recording comes (a later one of the same recording replaces it). */
    void keep(String id, KeptTranscript t) {
        byte[] previous = transcripts.get(id);
        if (previous != null) {
            transcriptsByDeadline.remove(deadline(read(previous, KeptTranscript.class)), id);
        }
        transcripts.put(id, write(t));
        transcriptsByDeadline.add(deadline(t), id);
    }

    /** Takes the transcript kept for a recording that has just come, if any. */
    Optional<KeptTranscript> takeTranscript(String id) {
        byte[] kept = transcripts.get(id);
        if (kept == null) {
            return Optional.empty();
        }
        KeptTranscript t = read(kept, KeptTranscript.class);
        transcripts.delete(id);
        transcriptsByDeadline.remove(deadline(t), id);
        return Optional.of(t);
    }

    /** Removes and returns the transcripts kept past the retention by {@code now}, earliest first, at most {@code limit}. */
    List<KeyValue<String, KeptTranscript>> dropStale(long now, int limit) {
        List<KeyValue<String, KeptTranscript>> stale = new ArrayList<>();
        for (DeadlineIndex.Due d : transcriptsByDeadline.pollDue(now, limit)) {
            byte[] kept = transcripts.get(d.key());
            if (kept != null) {
                transcripts.delete(d.key());
                stale.add(KeyValue.pair(d.key(), read(kept, KeptTranscript.class)));
            }
        }
        return stale;
    }

    /** The task closes: its waiting recordings are no longer this instance's to report. */
    void close() {
        awaiting(-awaitingReported);
    }

    private long deadline(KeptTranscript t) {
        return t.receivedMs() + retentionMs;
    }

    private void awaiting(long delta) {
        awaitingReported += delta;
        metrics.awaiting(delta);
    }

    private static byte[] write(Object o) {
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] b, Class<T> type) {
        try {
            return Json.MAPPER.readValue(b, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
