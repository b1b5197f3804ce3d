package io.emostream.runtime;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away local platform for end-to-end tests and benchmarks: the real broker, PostgreSQL and the chosen
 * services as their own JVMs, started through the same CLI as {@code ./emostream}, in a temporary home on free
 * ports (services shifted by a port offset), so it never collides with a platform already running.
 */
public final class LocalPlatform implements AutoCloseable {

    private final RuntimeSettings settings;
    private final Map<String, String> env;

    private LocalPlatform(RuntimeSettings settings, Map<String, String> env) {
        this.settings = settings;
        this.env = env;
    }

    /**
     * @param repo     repository root (service jars and models are found there)
     * @param services comma-separated service names, {@code all} or {@code none}
     * @param env      extra environment for the services, e.g. {@code EMOSTREAM_INFERENCE_BATCH_MAX_SIZE=1}
     */
    public static LocalPlatform start(Path repo, String services, Map<String, String> env) throws Exception {
        Path home = Files.createTempDirectory("emostream-platform");
        int offset = freeOffset();
        RuntimeSettings s = new RuntimeSettings(
                home,
                repo.toAbsolutePath().normalize(),
                freePort(),
                freePort(),
                freePort(),
                io.emostream.contracts.Topics.DEFAULT_PARTITIONS,
                offset);
        LocalPlatform p = new LocalPlatform(s, new HashMap<>(env));
        p.cli(
                "up",
                "--services",
                services,
                "--kafka-port",
                Integer.toString(s.kafkaPort()),
                "--controller-port",
                Integer.toString(s.controllerPort()),
                "--postgres-port",
                Integer.toString(s.postgresPort()),
                "--port-offset",
                Integer.toString(offset));
        return p;
    }

    public RuntimeSettings settings() {
        return settings;
    }

    public String bootstrapServers() {
        return settings.bootstrapServers();
    }

    public String jdbcUrl() {
        return settings.jdbcUrl();
    }

    public String url(String service) {
        return settings.serviceUrl(ServiceSpec.named(service));
    }

    public String apiKey() {
        return settings.apiKey();
    }

    /** Pid of a running service JVM (its first instance; for CPU and memory readings, or to kill it). */
    public long pid(String service) {
        return RuntimeState.read(settings.home()).orElseThrow().services().stream()
                .filter(x -> x.name().equals(service) && x.instance() == 0)
                .findFirst()
                .orElseThrow()
                .pid();
    }

    /** Pids of every running instance of a service, first instance first. */
    public List<Long> pids(String service) {
        return RuntimeState.read(settings.home()).orElseThrow().services().stream()
                .filter(x -> x.name().equals(service))
                .sorted(java.util.Comparator.comparingInt(RuntimeState.Service::instance))
                .map(RuntimeState.Service::pid)
                .toList();
    }

    /**
     * Runs {@code instances} instances of a service, as a replica count: new ones join the consumer groups (returns
     * once they are ready), the newest leave first with SIGTERM (returns once they exited).
     */
    public void scale(String service, int instances) throws Exception {
        Control.send(settings.home(), "scale " + service + " " + instances, Duration.ofMinutes(5));
    }

    /** Stops the Kafka broker (SIGTERM, controlled shutdown); returns once it exited. */
    public void stopKafka() throws Exception {
        Control.send(settings.home(), "kafka stop", Duration.ofMinutes(2));
    }

    /** Starts the broker again on the same ports and log directories; returns once it answers. */
    public void startKafka() throws Exception {
        Control.send(settings.home(), "kafka start", Duration.ofMinutes(3));
    }

    /** Stops PostgreSQL (fast shutdown: open transactions roll back); returns once it stopped. */
    public void stopPostgres() throws Exception {
        Control.send(settings.home(), "postgres stop", Duration.ofMinutes(2));
    }

    /** Starts PostgreSQL again on the same port and data; returns once it accepts connections. */
    public void startPostgres() throws Exception {
        Control.send(settings.home(), "postgres start", Duration.ofMinutes(3));
    }

    /** SIGKILL a service: no shutdown hooks, no drain. The supervisor restarts it. */
    public long kill(String service) {
        long pid = pid(service);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        return pid;
    }

    /** Waits until the service runs under a different pid than {@code oldPid} and answers ready. */
    public void awaitRestarted(String service, long oldPid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var state = RuntimeState.read(settings.home());
            if (state.isPresent()) {
                var svc = state.get().services().stream()
                        .filter(x -> x.name().equals(service) && x.instance() == 0)
                        .findFirst();
                if (svc.isPresent()
                        && svc.get().pid() != oldPid
                        && ServiceProcess.isReady(svc.get().url())) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                service + " was not restarted and ready within " + timeout + "; see " + settings.logs());
    }

    private void cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(ChildProcesses.javaBin(), "-cp", runtimeClasspath(), RuntimeMain.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--home", settings.home().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("EMOSTREAM_REPO", settings.repo().toString());
        Process proc = pb.start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!proc.waitFor(10, TimeUnit.MINUTES) || proc.exitValue() != 0) {
            throw new IllegalStateException(
                    "local runtime " + args[0] + " failed (logs in " + settings.logs() + "):\n" + out);
        }
    }

    /** The packaged runtime, as {@code ./emostream} runs it; the caller's classpath when it is not built. */
    private String runtimeClasspath() throws IOException {
        Path target = settings.repo().resolve("local-runtime").resolve("target");
        Path jar = target.resolve("local-runtime.jar");
        if (Files.isRegularFile(jar) && Files.isDirectory(target.resolve("lib"))) {
            return jar + java.io.File.pathSeparator + target.resolve("lib") + "/*";
        }
        return System.getProperty("java.class.path");
    }

    /** Stops everything, then deletes the platform's data (broker log, database, service state); keeps the logs. */
    @Override
    public void close() throws Exception {
        cli("down");
        try (var children = Files.list(settings.home())) {
            for (Path child : children.filter(c -> !c.equals(settings.logs())).toList()) {
                try (var tree = Files.walk(child)) {
                    tree.sorted(java.util.Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * An offset under which all service ports are free. The ports stay below Linux's ephemeral range (32768 and
     * up), where any outgoing connection (a Kafka client's, a browser's) could take one between this check and the
     * service's bind.
     */
    private static int freeOffset() {
        java.util.Random r = new java.util.Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = 10_000 + r.nextInt(14_000);
            if (ServiceSpec.ALL.stream().noneMatch(s -> ChildProcesses.portOpen(s.port() + offset))) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port range for the services");
    }
}
