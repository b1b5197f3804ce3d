package io.emostream.guard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Quarantines records whose processing kills the JVM (out of memory, a native crash, a halt), for any consumer.
 * Such a record cannot be caught: the service dies, restarts, reads the same record and dies again. So attempts
 * are recorded durably <em>before</em> processing, on {@link io.emostream.contracts.Topics#ATTEMPTS} with a plain
 * idempotent producer (outside any consumer transaction, which the crash would abort), and read back when a
 * partition is assigned again.
 * <p>
 * To keep the hot path cheap, a partition is processed in one of two modes:
 * <ul>
 *   <li><b>normal</b>: one synchronous marker when a run begins on the partition (its restart point), then the
 *   offset reached, asynchronously every {@code reached-interval}; a record costs two map reads.</li>
 *   <li><b>careful</b>: a synchronous marker naming the record before it is processed, and one records at a time in
 *   the whole JVM (so a death names exactly one record). A partition turns careful when its consumer died
 *   {@code careful-after} times in a row, each time within {@code healthy-after} of starting (or when a record was
 *   in flight at a death), and stays careful up to {@code careful-margin} records past the furthest offset the dead
 *   runs reached (at most {@code healthy-after}). While any partition is careful, every record of this JVM is
 *   processed carefully: a record of another partition could otherwise be the one that kills it.</li>
 * </ul>
 * A record named in flight by {@code max-attempts} dead runs is quarantined: {@link #before} says so and the
 * consumer dead-letters it ({@code PROCESSING_CRASHED}) instead of processing it.
 * <p>
 * Thread-safe; one instance per service JVM, shared by its consumers (each partition is used by one thread).
 */
public final class PoisonGuard implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PoisonGuard.class);
    /** Most suspects remembered per partition. */
    private static final int MAX_SUSPECTS = 16;

    /** One careful record in flight per JVM, whichever consumer or guard instance it belongs to. */
    private static final ReentrantLock CAREFUL_LOCK = new ReentrantLock(true);
    /** Partitions of this JVM in careful mode (not counting always-careful consumers). */
    private static final Set<PartitionState> CAREFUL = ConcurrentHashMap.newKeySet();

    private final GuardSettings settings;
    private final AttemptLog log;
    private final String run = UUID.randomUUID().toString();
    private final String service;
    private final Map<GuardKey, PartitionState> open = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final String metricPrefix;
    private final long reachedIntervalNanos;
    private volatile boolean closed;
    private volatile long lastWriteWarning;

    private PoisonGuard(GuardSettings settings, AttemptLog log, String service, MeterRegistry registry) {
        this.settings = settings;
        this.log = log;
        this.service = service;
        this.registry = registry;
        this.metricPrefix = "emostream." + service.replace("-service", "");
        this.reachedIntervalNanos = settings.reachedInterval().toNanos();
        if (registry != null) {
            Gauge.builder(metricPrefix + ".guard.careful.partitions", CAREFUL, Set::size)
                    .description("Partitions processed carefully (a marker per record) after the service died on them")
                    .register(registry);
        }
    }

    /**
     * The guard of a service.
     *
     * @param kafka    client settings (bootstrap servers, security) for the attempts topic
     * @param service  the service name, e.g. {@code fusion-service}: metrics are {@code emostream_fusion_*}
     * @param registry where the quarantine counter and careful-partitions gauge go; null for none
     */
    public static PoisonGuard create(
            GuardSettings settings, Map<String, Object> kafka, String service, MeterRegistry registry) {
        AttemptLog log = null;
        if (settings.enabled()) {
            try {
                log = new AttemptLog(kafka, service);
            } catch (RuntimeException e) {
                // processing must not depend on the guard: without its topic, run unguarded and say so loudly
                LOG.errorf(
                        "consumer guard disabled, records that kill the service will not be quarantined: %s",
                        e.getMessage());
            }
        }
        if (settings.haltOnKey().isPresent() || settings.throwOnKey().isPresent()) {
            LOG.warnf(
                    "TEST fault injection is on (emostream.guard.fault.*):%s%s",
                    settings.haltOnKey()
                            .map(k -> " records whose key contains '" + k + "' halt the JVM;")
                            .orElse(""),
                    settings.throwOnKey()
                            .map(k -> " records whose key contains '" + k + "' throw")
                            .orElse(""));
        }
        return new PoisonGuard(settings, log, service, registry);
    }

    /** A guard that records nothing (tests without a broker, tools). */
    public static PoisonGuard disabled() {
        return disabled("none");
    }

    /** A guard that records nothing, for the named service (its dead letters carry that name). */
    public static PoisonGuard disabled(String service) {
        return new PoisonGuard(GuardSettings.defaults(), null, service, null);
    }

    public GuardSettings settings() {
        return settings;
    }

    /** The service's name ({@code quarkus.application.name}): in every dead letter it writes, and its metrics. */
    public String service() {
        return service;
    }

    public boolean enabled() {
        return log != null && !closed;
    }

    /**
     * Whether records of this partition must currently be processed one at a time (careful mode, here or anywhere
     * in the JVM). Opens the partition if this is its first record since it was assigned.
     */
    public boolean careful(GuardKey key, long offset) {
        if (!enabled()) {
            return false;
        }
        return state(key, offset).careful || anyCareful();
    }

    /**
     * Call before processing the record at {@code offset}; end it with {@link #after} in a {@code finally}. In
     * careful mode this writes a marker and waits for it, and holds the JVM-wide careful lock until {@code after}.
     * Never throws for the guard's own failures (a marker that cannot be written is logged; processing goes on).
     */
    public Attempt before(GuardKey key, long offset) {
        if (!enabled()) {
            return new Attempt(key, null, offset, false, false, 0, settings.maxAttempts());
        }
        PartitionState s = state(key, offset);
        boolean careful = s.careful || anyCareful();
        if (!careful) {
            return new Attempt(key, s, offset, false, false, 0, settings.maxAttempts());
        }
        Integer crashes = s.suspects.get(offset);
        if (crashes != null && crashes >= settings.maxAttempts()) {
            LOG.errorf(
                    "%s@%d killed the service %d time(s): quarantined (dead-lettered, not processed)",
                    key, offset, crashes);
            return new Attempt(key, s, offset, true, true, crashes, settings.maxAttempts());
        }
        CAREFUL_LOCK.lock();
        s.inFlight = offset;
        s.lastAt = System.currentTimeMillis();
        try {
            log.writeSync(key, s.marker(run, false));
        } catch (Exception e) {
            warnWrite(key, e);
        }
        return new Attempt(key, s, offset, true, false, crashes == null ? 0 : crashes, settings.maxAttempts());
    }

    /** Ends an attempt: processing finished (or threw, or the record was quarantined and dead-lettered). */
    public void after(Attempt a) {
        PartitionState s = a.state;
        if (s == null) {
            return;
        }
        s.reached = Math.max(s.reached, a.offset);
        if (a.quarantined) {
            s.suspects.remove(a.offset);
            s.lastAt = System.currentTimeMillis();
            if (registry != null) {
                Counter.builder(metricPrefix + ".quarantined")
                        .description("Records quarantined: processing them killed the service max-attempts times")
                        .tag("topic", a.key().topic())
                        .register(registry)
                        .increment();
            }
            write(a.key(), s);
            return;
        }
        if (a.careful) {
            try {
                s.inFlight = -1;
                s.suspects.remove(a.offset);
                s.lastAt = System.currentTimeMillis();
                if (s.careful && !settings.alwaysCareful() && a.offset >= s.carefulUntil) {
                    leaveCareful(s, "past offset " + s.carefulUntil);
                }
                write(a.key(), s);
            } finally {
                CAREFUL_LOCK.unlock();
            }
            return;
        }
        long now = System.nanoTime();
        if (now - s.lastWriteNanos >= reachedIntervalNanos) {
            s.lastAt = System.currentTimeMillis();
            write(a.key(), s);
        }
    }

    /**
     * Test-only fault injection (off unless {@code emostream.guard.fault.*} is set): call while processing a record,
     * after {@link #before}. Halts the JVM, or throws, when the record's key contains the configured text.
     */
    public void injectFaults(byte[] recordKey) {
        if (recordKey == null
                || (settings.haltOnKey().isEmpty() && settings.throwOnKey().isEmpty())) {
            return;
        }
        String k = new String(recordKey, StandardCharsets.UTF_8);
        if (settings.haltOnKey().isPresent() && k.contains(settings.haltOnKey().get())) {
            System.err.println("TEST FAULT (emostream.guard.fault.halt-on-key): halting the JVM on record key " + k);
            System.err.flush();
            Runtime.getRuntime().halt(86);
        }
        if (settings.throwOnKey().isPresent()
                && k.contains(settings.throwOnKey().get())) {
            throw new IllegalStateException("TEST FAULT (emostream.guard.fault.throw-on-key) on record key " + k);
        }
    }

    /** The partitions were handed over cleanly (revoked after their work was committed): not a crash. */
    public void release(Collection<GuardKey> keys) {
        for (GuardKey k : keys) {
            PartitionState s = open.remove(k);
            if (s != null && enabled()) {
                leaveCareful(s, null);
                s.lastAt = System.currentTimeMillis();
                try {
                    log.writeSync(k, s.marker(run, true));
                } catch (Exception e) {
                    warnWrite(k, e);
                }
            }
        }
    }

    /** The partitions are no longer ours (lost, or a Kafka Streams task closed): forget them, write nothing. */
    public void forget(Collection<GuardKey> keys) {
        for (GuardKey k : keys) {
            PartitionState s = open.remove(k);
            if (s != null) {
                leaveCareful(s, null);
            }
        }
    }

    /** Whether any partition of this JVM is in careful mode (time-limited careful modes that ran out are ended). */
    @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set: removing while iterating is safe
    public static boolean anyCareful() {
        if (CAREFUL.isEmpty()) {
            return false;
        }
        long now = System.nanoTime();
        for (PartitionState s : CAREFUL) {
            if (now - s.carefulDeadlineNanos > 0) {
                s.careful = false;
                CAREFUL.remove(s);
                LOG.infof("%s: careful mode ended (time limit)", s.key);
            }
        }
        return !CAREFUL.isEmpty();
    }

    private PartitionState state(GuardKey key, long offset) {
        PartitionState s = open.get(key);
        if (s == null) {
            s = openPartition(key, offset);
            open.put(key, s);
        }
        return s;
    }

    /** The first record of a partition since it was assigned: what happened to the previous run decides the mode. */
    private PartitionState openPartition(GuardKey key, long restartPoint) {
        Marker prev;
        try {
            prev = log.read(key);
        } catch (RuntimeException e) {
            LOG.warnf("cannot read the attempts of %s (%s): treated as a first run", key, e.getMessage());
            prev = null;
        }
        long now = System.currentTimeMillis();
        int streak = 0;
        long carefulFrom = restartPoint;
        Map<Long, Integer> suspects = new LinkedHashMap<>();
        long previousCarefulUntil = -1;
        if (prev != null) {
            boolean ours = run.equals(prev.run());
            boolean died = !prev.released() && !ours;
            prev.suspects().forEach((o, n) -> {
                // committed records never come back; a consumer that re-reads out of order (ingest's waiting
                // recordings) keeps every suspect
                if (o >= restartPoint || settings.alwaysCareful()) {
                    suspects.put(o, n);
                }
            });
            if (died) {
                boolean healthy = prev.lastAt() - prev.startedAt()
                        >= settings.healthyAfter().toMillis();
                streak = healthy ? 1 : prev.streak() + 1;
                if (prev.inFlight() >= 0) {
                    int n = suspects.merge(prev.inFlight(), 1, Integer::sum);
                    LOG.warnf(
                            "%s@%d was being processed when the service died (%d of %d allowed attempts)",
                            key, prev.inFlight(), n, settings.maxAttempts());
                }
            } else {
                streak = ours ? prev.streak() : 0;
            }
            // the furthest the dead runs got: careful mode must reach past it
            carefulFrom = Math.max(Math.max(restartPoint, prev.reached()), prev.inFlight());
            previousCarefulUntil = prev.carefulUntil();
            while (suspects.size() > MAX_SUSPECTS) {
                suspects.remove(suspects.keySet().iterator().next());
            }
        }
        PartitionState s = new PartitionState(key, restartPoint, now, streak, suspects);
        s.reached = Math.max(s.reached, carefulFrom - 1);
        boolean careful = settings.alwaysCareful() || streak >= settings.carefulAfter() || !suspects.isEmpty();
        if (settings.alwaysCareful()) {
            s.careful = true;
            s.carefulUntil = Long.MAX_VALUE;
        } else if (careful) {
            long maxSuspect =
                    suspects.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
            s.carefulUntil =
                    Math.max(previousCarefulUntil, Math.max(carefulFrom, maxSuspect) + settings.carefulMargin());
            s.careful = true;
            s.carefulDeadlineNanos = System.nanoTime() + settings.healthyAfter().toNanos();
            CAREFUL.add(s);
            LOG.warnf(
                    "%s: the service died %d time(s) in a row on this partition; processing it carefully (a "
                            + "marker per record, one record at a time) from offset %d to %d",
                    key, streak, restartPoint, s.carefulUntil);
        }
        try {
            log.writeSync(key, s.marker(run, false));
        } catch (Exception e) {
            warnWrite(key, e);
        }
        return s;
    }

    private static void leaveCareful(PartitionState s, String why) {
        if (CAREFUL.remove(s) && why != null) {
            LOG.infof("%s: careful mode ended (%s)", s.key, why);
        }
        if (why != null) {
            s.careful = false;
            s.carefulUntil = -1;
        }
    }

    private void write(GuardKey key, PartitionState s) {
        s.lastWriteNanos = System.nanoTime();
        log.writeAsync(key, s.marker(run, false));
    }

    private void warnWrite(GuardKey key, Exception e) {
        long now = System.nanoTime();
        if (now - lastWriteWarning > Duration.ofSeconds(30).toNanos()) {
            lastWriteWarning = now;
            LOG.warnf("cannot write the attempt marker of %s (%s); processing goes on unguarded", key, e.toString());
        }
    }

    /** Sends the markers still buffered, then closes; later calls run unguarded. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** As {@link #close()}; {@code Duration.ZERO} drops unsent markers as a crash would (tests). */
    void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        open.values().forEach(s -> leaveCareful(s, null));
        if (log != null) {
            log.close(timeout);
        }
    }

    /**
     * Tests: this guard's JVM "dies" — unsent markers are dropped and nothing more is written, and the careful
     * lock the calling thread holds is let go (a real death takes it with the JVM).
     */
    void abandon() {
        close(Duration.ZERO);
        while (CAREFUL_LOCK.isHeldByCurrentThread()) {
            CAREFUL_LOCK.unlock();
        }
    }

    /** The guard's view of one open partition; used by the thread that consumes it. */
    static final class PartitionState {
        final GuardKey key;
        final long start;
        final long startedAt;
        final int streak;
        final Map<Long, Integer> suspects;
        volatile boolean careful;
        volatile long carefulUntil = -1;
        volatile long carefulDeadlineNanos;
        long reached;
        long lastAt;
        long inFlight = -1;
        long lastWriteNanos;

        PartitionState(GuardKey key, long start, long startedAt, int streak, Map<Long, Integer> suspects) {
            this.key = key;
            this.start = start;
            this.startedAt = startedAt;
            this.streak = streak;
            this.suspects = new HashMap<>(suspects);
            this.reached = start - 1;
            this.lastAt = startedAt;
            this.lastWriteNanos = System.nanoTime();
        }

        Marker marker(String run, boolean released) {
            return new Marker(
                    run,
                    start,
                    startedAt,
                    reached,
                    lastAt,
                    inFlight,
                    streak,
                    careful ? carefulUntil : -1,
                    suspects,
                    released);
        }
    }
}
