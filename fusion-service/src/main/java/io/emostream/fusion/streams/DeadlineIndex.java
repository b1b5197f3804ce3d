package io.emostream.fusion.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The waiting utterances of one task ordered by deadline, so expiry reads only what is due. Kept in memory and
 * rebuilt from the (changelogged) pending store whenever the task initialises: the store is the truth, this is
 * an index of it that saves two changelog writes per utterance.
 */
final class DeadlineIndex {

    record Due(long deadline, String utteranceId) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : utteranceId.compareTo(o.utteranceId);
        }
    }

    private final TreeSet<Due> entries = new TreeSet<>();

    void add(long deadline, String utteranceId) {
        entries.add(new Due(deadline, utteranceId));
    }

    void remove(long deadline, String utteranceId) {
        entries.remove(new Due(deadline, utteranceId));
    }

    /** Removes and returns the entries with {@code deadline <= horizon}, earliest first, at most {@code limit}. */
    List<Due> pollDue(long horizon, int limit) {
        List<Due> due = new ArrayList<>();
        while (!entries.isEmpty() && entries.first().deadline() <= horizon && due.size() < limit) {
            due.add(entries.pollFirst());
        }
        return due;
    }

    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
    }
}
