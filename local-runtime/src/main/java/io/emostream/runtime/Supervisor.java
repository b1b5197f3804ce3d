package io.emostream.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Owns the local platform: PostgreSQL, the Kafka broker, the topics and the service JVMs. It holds an exclusive
 * lock on its data directory (a second start fails instead of sharing the data), stops everything in reverse
 * order on SIGTERM/SIGINT, and its children exit on their own if it is killed ({@link ParentWatch}).
 */
public final class Supervisor {

    /** Liveness checks in a row that must fail before a service is killed and restarted (Kubernetes' default 3). */
    static final int LIVENESS_FAILURES = 3;

    static final long LIVENESS_PERIOD_MS = 10_000;

    private final RuntimeSettings settings;
    private final List<ServiceSpec> services;
    private final List<ServiceProcess> running = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile PostgresServer postgres;
    private volatile KafkaBroker kafka;
    /** Serialises control requests and infrastructure restarts with {@link #stop()}. */
    private final Object infra = new Object();

    private FileChannel lockChannel;
    private FileLock lock;
    private volatile RuntimeState state;
    private volatile String failure;

    public Supervisor(RuntimeSettings settings, List<ServiceSpec> services) {
        this.settings = settings;
        this.services = services;
    }

    /** Starts everything, then blocks until asked to stop. */
    public void runUntilStopped() throws Exception {
        Runnable shutdown = this::stop;
        installSignalHandlers(shutdown);
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "supervisor-shutdown"));
        try {
            start();
        } catch (Exception e) {
            failure = String.valueOf(e.getMessage());
            System.err.println("[emostream] start failed: " + failure);
            stop();
            throw e;
        }
        stopped.await();
    }

    void start() throws Exception {
        Files.createDirectories(settings.home());
        lock();
        clearControlRequests();
        long pid = ProcessHandle.current().pid();
        state = new RuntimeState(
                pid,
                RuntimeState.STARTING,
                settings.bootstrapServers(),
                settings.jdbcUrl(),
                0,
                0,
                List.of(),
                "starting PostgreSQL");
        state.write(settings.home());

        log("starting PostgreSQL on port " + settings.postgresPort() + " (data "
                + settings.home().resolve("postgres") + ")");
        postgres = new PostgresServer(
                settings.home().resolve("postgres"),
                settings.postgresPort(),
                settings.logs().resolve("postgres.log"));
        postgres.start();

        writeState(RuntimeState.STARTING, "starting Kafka");
        log("starting Kafka (KRaft) on port " + settings.kafkaPort());
        kafka = new KafkaBroker(
                settings.home().resolve("kafka"),
                settings.kafkaPort(),
                settings.controllerPort(),
                settings.logs().resolve("kafka.log"));
        kafka.start(Duration.ofSeconds(90));
        List<String> created = TopicCreator.createAll(settings.bootstrapServers(), settings.partitions());
        log(created.isEmpty() ? "topics already exist" : "created topics " + created);

        for (ServiceSpec spec : services) {
            writeState(RuntimeState.STARTING, "starting " + spec.name());
            log("starting " + spec.name() + "-service on " + settings.serviceUrl(spec));
            ServiceProcess p = ServiceProcess.start(spec, 0, settings, Map.of());
            running.add(p);
            writeState(RuntimeState.STARTING, "waiting for " + spec.name() + " to be ready");
            p.awaitReady(Duration.ofMinutes(3));
        }
        writeState(RuntimeState.READY, "ready");
        log("ready");
        Thread watcher = new Thread(this::restartDeadServices, "service-watcher");
        watcher.setDaemon(true);
        watcher.start();
        Thread control = new Thread(this::serveControlRequests, "control");
        control.setDaemon(true);
        control.start();
    }

    /**
     * Restarts a service that exits while the platform runs (as a Kubernetes restart policy would): its consumers
     * resume from their committed offsets. Back-off doubles per restart up to 30 s and resets after a minute up.
     * Like a Kubernetes liveness probe, a service whose {@code /q/health/live} answers DOWN on
     * {@link #LIVENESS_FAILURES} checks in a row ({@link #LIVENESS_PERIOD_MS} apart) is killed, then restarted.
     */
    private void restartDeadServices() {
        java.util.Map<String, Integer> restarts = new java.util.HashMap<>();
        java.util.Map<String, Long> startedAt = new java.util.HashMap<>();
        java.util.Map<String, Integer> liveFailures = new java.util.HashMap<>();
        long nextLivenessCheck = System.nanoTime();
        while (!stopping.get()) {
            ChildProcesses.sleep(500);
            List<ServiceProcess> snapshot;
            synchronized (running) {
                snapshot = new ArrayList<>(running);
            }
            boolean checkLiveness = System.nanoTime() - nextLivenessCheck >= 0;
            if (checkLiveness) {
                nextLivenessCheck = System.nanoTime() + LIVENESS_PERIOD_MS * 1_000_000L;
            }
            for (ServiceProcess p : snapshot) {
                String name = p.displayName();
                startedAt.putIfAbsent(name, System.nanoTime());
                if (p.isAlive() && checkLiveness) {
                    // 503: the service says it is not alive; no answer (starting, busy) does not count
                    int n = p.liveness() == 503 ? liveFailures.merge(name, 1, Integer::sum) : 0;
                    liveFailures.put(name, n);
                    if (n >= LIVENESS_FAILURES) {
                        log(name + " failed its liveness check " + n + " times in a row; killing it (see " + p.log()
                                + ")");
                        liveFailures.remove(name);
                        p.kill();
                        ChildProcesses.sleep(200);
                    }
                }
                if (p.isAlive()) {
                    if (System.nanoTime() - startedAt.get(name) > 60_000_000_000L) {
                        restarts.remove(name);
                    }
                    continue;
                }
                int n = restarts.merge(name, 1, Integer::sum);
                long delay = Math.min(30_000L, 1000L << Math.min(5, n - 1));
                log(name + " exited unexpectedly; restarting in " + delay + " ms (restart #" + n + ", see " + p.log()
                        + ")");
                ChildProcesses.sleep(delay);
                synchronized (running) {
                    if (stopping.get()) {
                        return;
                    }
                    if (!running.contains(p)) {
                        continue; // scaled in meanwhile: it was meant to go
                    }
                    try {
                        ServiceProcess restarted =
                                ServiceProcess.start(p.spec(), p.instance(), settings, java.util.Map.of());
                        running.set(running.indexOf(p), restarted);
                        startedAt.put(name, System.nanoTime());
                    } catch (Exception e) {
                        log("could not restart " + name + ": " + e.getMessage());
                    }
                }
                writeState(RuntimeState.READY, name + " restarted");
            }
        }
    }

    /** Answers the requests of {@link Control} (scale, Kafka and PostgreSQL stop/start) while the platform runs. */
    private void serveControlRequests() {
        while (!stopping.get()) {
            ChildProcesses.sleep(200);
            List<Control.Request> requests;
            try {
                requests = Control.pending(settings.home());
            } catch (IOException e) {
                log("cannot read control requests: " + e.getMessage());
                continue;
            }
            for (Control.Request r : requests) {
                String answer;
                try {
                    log("request: " + r.command());
                    answer = control(r.command().split("\\s+"));
                } catch (Exception e) {
                    answer = "error: " + e.getMessage();
                }
                log("request '" + r.command() + "': " + answer);
                try {
                    Control.answer(r, answer);
                } catch (IOException e) {
                    log("cannot answer control request " + r.file() + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * One control request.
     * <pre>
     *   scale SERVICE N             run N instances of a service (1..MAX_INSTANCES): new ones join its consumer
     *                               groups; the newest leave first, with SIGTERM, as Kubernetes scales in
     *   kafka|postgres stop|start|restart   the broker or the database, on the same ports and data
     * </pre>
     */
    String control(String[] cmd) throws Exception {
        synchronized (infra) {
            if (stopping.get()) {
                throw new IllegalStateException("the platform is stopping");
            }
            if (cmd.length == 3 && cmd[0].equals("scale")) {
                return scale(ServiceSpec.named(cmd[1]), Integer.parseInt(cmd[2]));
            }
            if (cmd.length == 2 && (cmd[0].equals("kafka") || cmd[0].equals("postgres"))) {
                boolean isKafka = cmd[0].equals("kafka");
                switch (cmd[1]) {
                    case "stop" -> {
                        if (isKafka) {
                            stopKafka();
                        } else {
                            stopPostgres();
                        }
                    }
                    case "start" -> {
                        if (isKafka) {
                            startKafka();
                        } else {
                            startPostgres();
                        }
                    }
                    case "restart" -> {
                        if (isKafka) {
                            stopKafka();
                            startKafka();
                        } else {
                            stopPostgres();
                            startPostgres();
                        }
                    }
                    default ->
                        throw new IllegalArgumentException(
                                "unknown action '" + cmd[1] + "'; use stop, start or restart");
                }
                return Control.OK;
            }
            throw new IllegalArgumentException("unknown request '" + String.join(" ", cmd)
                    + "'; known: scale SERVICE N, kafka|postgres stop|start|restart");
        }
    }

    private String scale(ServiceSpec spec, int instances) throws IOException {
        if (instances < 1 || instances > RuntimeSettings.MAX_INSTANCES) {
            throw new IllegalArgumentException("instances must be 1.." + RuntimeSettings.MAX_INSTANCES);
        }
        List<ServiceProcess> mine;
        synchronized (running) {
            mine = running.stream().filter(p -> p.spec().equals(spec)).toList();
        }
        if (mine.isEmpty()) {
            throw new IllegalStateException(spec.name() + " does not run on this platform (see --services)");
        }
        for (int i = mine.size(); i < instances; i++) {
            ServiceProcess p;
            synchronized (running) {
                log("starting " + spec.name() + "-service instance " + (i + 1) + " on " + settings.serviceUrl(spec, i));
                p = ServiceProcess.start(spec, i, settings, Map.of());
                running.add(p);
            }
            writeState(RuntimeState.READY, "starting " + p.displayName());
            p.awaitReady(Duration.ofMinutes(3));
            writeState(RuntimeState.READY, p.displayName() + " ready");
        }
        for (int i = mine.size() - 1; i >= instances; i--) {
            ServiceProcess p = mine.get(i);
            running.remove(p); // before it exits, so the watcher does not restart it
            writeState(RuntimeState.READY, "stopping " + p.displayName());
            log("stopping " + p.displayName());
            p.close();
            writeState(RuntimeState.READY, p.displayName() + " stopped");
        }
        return instances + " instance(s) of " + spec.name();
    }

    private void stopKafka() {
        if (kafka == null) {
            return;
        }
        log("stopping Kafka (on request)");
        kafka.close();
        kafka = null;
        writeState(RuntimeState.READY, "Kafka stopped");
    }

    private void startKafka() throws IOException, InterruptedException {
        if (kafka != null) {
            return;
        }
        log("starting Kafka (KRaft) on port " + settings.kafkaPort());
        KafkaBroker k = new KafkaBroker(
                settings.home().resolve("kafka"),
                settings.kafkaPort(),
                settings.controllerPort(),
                settings.logs().resolve("kafka.log"));
        kafka = k;
        try {
            k.start(Duration.ofSeconds(90));
        } catch (IOException | RuntimeException e) {
            k.close();
            kafka = null;
            throw e;
        }
        writeState(RuntimeState.READY, "Kafka started");
    }

    private void stopPostgres() throws IOException {
        if (postgres == null) {
            return;
        }
        log("stopping PostgreSQL (on request)");
        postgres.close();
        postgres = null;
        writeState(RuntimeState.READY, "PostgreSQL stopped");
    }

    private void startPostgres() throws IOException, java.sql.SQLException {
        if (postgres != null) {
            return;
        }
        log("starting PostgreSQL on port " + settings.postgresPort());
        PostgresServer pg = new PostgresServer(
                settings.home().resolve("postgres"),
                settings.postgresPort(),
                settings.logs().resolve("postgres.log"));
        pg.start();
        postgres = pg;
        writeState(RuntimeState.READY, "PostgreSQL started");
    }

    /** Requests left from an earlier run were meant for a supervisor that is gone. */
    private void clearControlRequests() throws IOException {
        Path dir = Control.dir(settings.home());
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private void lock() throws IOException {
        Path lockFile = settings.home().resolve("runtime.lock");
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            String pid = RuntimeState.read(settings.home())
                    .map(s -> " (pid " + s.pid() + ")")
                    .orElse("");
            throw new IllegalStateException("the local runtime in " + settings.home() + " is already running" + pid
                    + "; use `./emostream down` to stop it");
        }
    }

    /** Stops the services (in reverse start order), then Kafka, then PostgreSQL. Idempotent. */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            if (state != null) {
                writeState(RuntimeState.STOPPING, "stopping");
            }
            List<ServiceProcess> reversed;
            synchronized (running) {
                reversed = new ArrayList<>(running);
            }
            Collections.reverse(reversed);
            for (ServiceProcess p : reversed) {
                log("stopping " + p.spec().name());
                p.close();
            }
            synchronized (infra) {
                if (kafka != null) {
                    log("stopping Kafka");
                    kafka.close();
                }
                if (postgres != null) {
                    log("stopping PostgreSQL");
                    postgres.close();
                }
            }
            if (failure != null) {
                writeState(RuntimeState.FAILED, failure);
            } else {
                writeState(RuntimeState.STOPPED, "stopped");
            }
            log("stopped");
        } catch (Exception e) {
            System.err.println("[emostream] error while stopping: " + e);
        } finally {
            try {
                if (lock != null) {
                    lock.release();
                    lockChannel.close();
                }
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
            stopped.countDown();
        }
    }

    private void writeState(String s, String message) {
        if (state == null) {
            return;
        }
        List<RuntimeState.Service> svc = new ArrayList<>();
        synchronized (running) {
            for (ServiceProcess p : running) {
                svc.add(new RuntimeState.Service(p.spec().name(), p.instance(), p.url(), p.pid()));
            }
        }
        KafkaBroker k = kafka;
        PostgresServer pg = postgres;
        state = new RuntimeState(
                state.pid(),
                s,
                state.kafkaBootstrapServers(),
                state.jdbcUrl(),
                k == null ? 0 : k.pid(),
                pg == null ? 0 : pg.pid(),
                svc,
                message);
        try {
            state.write(settings.home());
        } catch (IOException e) {
            System.err.println("[emostream] cannot write state: " + e);
        }
    }

    @SuppressWarnings("removal")
    private static void installSignalHandlers(Runnable shutdown) {
        // Stop in order on TERM/INT before the JVM's shutdown hooks (e.g. zonky's) race each other.
        for (String sig : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                    Thread t = new Thread(
                            () -> {
                                shutdown.run();
                                System.exit(0);
                            },
                            "signal-" + sig);
                    t.start();
                });
            } catch (IllegalArgumentException e) {
                // signal not available here: the shutdown hook still stops everything
            }
        }
    }

    static void log(String message) {
        System.out.println("[emostream] "
                + java.time.LocalTime.now(java.time.ZoneId.systemDefault()).withNano(0) + " " + message);
        System.out.flush();
    }
}
