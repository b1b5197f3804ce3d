package io.emostream.contracts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The threads a service starts itself (scoring workers, the sink's loop, their supervisors), the same way in every
 * service: each named, an exception that escapes one logged with its name (instead of printed to stderr or, in a
 * scheduled task, swallowed), and all of them stopped and joined on shutdown ({@link #stop}). What a thread does when
 * its work fails (restart it, report it to liveness) stays with its owner. Thread-safe.
 */
public final class ServiceThreads {

    // java.util.logging: Quarkus routes it to its log; this class also runs outside Quarkus
    private static final Logger LOG = Logger.getLogger(ServiceThreads.class.getName());

    private final List<Thread> threads = new ArrayList<>();
    private final List<ScheduledExecutorService> schedules = new ArrayList<>();

    /**
     * Starts {@code task} on a new thread called {@code name}. A daemon thread does not keep the JVM alive and is not
     * waited for by {@link #stop} (startup work that may block, e.g. loading a model); a service's loops are not
     * daemons.
     */
    public synchronized Thread start(String name, boolean daemon, Runnable task) {
        threads.removeIf(t -> !t.isAlive()); // finished ones (e.g. workers that died and were replaced)
        Thread t = new Thread(task, name);
        t.setDaemon(daemon);
        t.setUncaughtExceptionHandler((thread, e) ->
                LOG.log(Level.SEVERE, "thread " + thread.getName() + " ended on an uncaught exception", e));
        threads.add(t);
        t.start();
        return t;
    }

    /**
     * Runs {@code task} every {@code period} (after each run ends) on a daemon thread called {@code name}, until
     * {@link #stop}. A run that throws is logged and the next one still comes.
     */
    public synchronized void every(String name, Duration period, Runnable task) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        schedules.add(s);
        long ms = period.toMillis();
        s.scheduleWithFixedDelay(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.SEVERE, name + " failed; it runs again in " + period, e);
                    }
                },
                ms,
                ms,
                TimeUnit.MILLISECONDS);
    }

    /** Stops the periodic tasks at once (interrupting a run in progress); started threads go on. */
    public synchronized void stopSchedules() {
        schedules.forEach(ScheduledExecutorService::shutdownNow);
        schedules.clear();
    }

    /**
     * Stops the periodic tasks and waits up to {@code timeout} in all for every started non-daemon thread to end (ask
     * them to stop first: this does not interrupt them). Returns whether all ended.
     */
    public boolean stop(Duration timeout) throws InterruptedException {
        List<Thread> started;
        synchronized (this) {
            stopSchedules();
            started = threads.stream().filter(t -> !t.isDaemon()).toList();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : started) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                t.join(left);
            }
        }
        boolean all = started.stream().noneMatch(Thread::isAlive);
        if (!all) {
            LOG.warning("threads still running after " + timeout + ": "
                    + started.stream()
                            .filter(Thread::isAlive)
                            .map(Thread::getName)
                            .toList());
        }
        return all;
    }
}
