package io.emostream.guard.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The keys of a task's state store ordered by deadline, so a punctuation reads only what is due instead of scanning
 * the store. Kept in memory and rebuilt from the (changelogged) store whenever the task initialises: the store is
 * the truth, this is an index of it that saves a second store and its changelog writes. Used by fusion (waiting
 * scores) and ingest (recordings waiting for their transcript, transcripts waiting for their recording). Not
 * thread-safe: one per processor instance, like the processor's stores.
 */
public final class DeadlineIndex {

    /** One indexed key and its deadline (epoch ms). */
    public record Due(long deadline, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    private final TreeSet<Due> entries = new TreeSet<>();

    public void add(long deadline, String key) {
        entries.add(new Due(deadline, key));
    }

    public void remove(long deadline, String key) {
        entries.remove(new Due(deadline, key));
    }

    /** Removes and returns the entries with {@code deadline <= horizon}, earliest first, at most {@code limit}. */
    public List<Due> pollDue(long horizon, int limit) {
        List<Due> due = new ArrayList<>();
        while (!entries.isEmpty() && entries.first().deadline() <= horizon && due.size() < limit) {
            due.add(entries.pollFirst());
        }
        return due;
    }

    public int size() {
        return entries.size();
    }

    public void clear() {
        entries.clear();
    }
}
