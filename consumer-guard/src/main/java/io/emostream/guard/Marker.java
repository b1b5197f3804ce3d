package io.emostream.guard;

import java.util.Map;

/**
 * The latest known state of one {@link GuardKey} on the attempts topic (one compacted record per key).
 *
 * @param run          id of the guard instance (one per JVM start) that wrote it
 * @param start        the first offset that run processed on the partition (its restart point)
 * @param startedAt    when that run began on the partition (epoch ms)
 * @param reached      the highest offset it finished (asynchronous in normal mode, so a lower bound)
 * @param lastAt       when it last wrote (epoch ms): lastAt - startedAt is how long the run stayed alive
 * @param inFlight     the offset being processed in careful mode, written before processing; -1 when none. A
 *                     marker that still names one after its run ended is a record that was processing when the
 *                     service died
 * @param streak       runs in a row that ended without a clean release before staying alive healthy-after
 * @param carefulUntil careful mode lasts to this offset; -1 when the partition is processed normally
 * @param suspects     offset → how many runs died while processing it
 * @param released     the run handed the partition over cleanly (rebalance, shutdown)
 */
public record Marker(
        String run,
        long start,
        long startedAt,
        long reached,
        long lastAt,
        long inFlight,
        int streak,
        long carefulUntil,
        Map<Long, Integer> suspects,
        boolean released) {

    public Marker {
        suspects = suspects == null ? Map.of() : Map.copyOf(suspects);
    }
}
