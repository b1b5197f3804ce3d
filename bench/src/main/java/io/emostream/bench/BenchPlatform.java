package io.emostream.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the real local platform (KRaft broker, PostgreSQL, and the chosen services as their own JVMs) in a
 * throw-away home with free ports, through the same CLI as {@code ./emostream}, and stops it on close.
 */
public final class BenchPlatform implements AutoCloseable {

    private final Path home;
    private final int kafkaPort;
    private final int postgresPort;

    private BenchPlatform(Path home, int kafkaPort, int postgresPort) {
        this.home = home;
        this.kafkaPort = kafkaPort;
        this.postgresPort = postgresPort;
    }

    /** @param services comma-separated service names, or "none" */
    public static BenchPlatform start(String services) throws Exception {
        return start(services, java.util.Map.of());
    }

    /**
     * @param env extra environment for the services (they inherit the supervisor's), e.g. a setting such as
     *            {@code EMOSTREAM_INFERENCE_BATCH_MAX_SIZE=1}
     */
    public static BenchPlatform start(String services, java.util.Map<String, String> env) throws Exception {
        Path home = Files.createTempDirectory("emostream-bench");
        BenchPlatform p = new BenchPlatform(home, freePort(), freePort());
        p.env.putAll(env);
        p.cli("up", "--services", services, "--kafka-port", Integer.toString(p.kafkaPort),
                "--controller-port", Integer.toString(freePort()),
                "--postgres-port", Integer.toString(p.postgresPort));
        return p;
    }

    private final java.util.Map<String, String> env = new java.util.HashMap<>();

    public String bootstrapServers() {
        return "localhost:" + kafkaPort;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgresPort + "/emostream";
    }

    public Path home() {
        return home;
    }

    /** Pid of a running service JVM, for CPU and memory readings. */
    public long servicePid(String name) {
        return io.emostream.runtime.RuntimeState.read(home).orElseThrow().services().stream()
                .filter(s -> s.name().equals(name)).findFirst().orElseThrow().pid();
    }

    private void cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.emostream.runtime.RuntimeMain"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--home", home.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process proc = pb.start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!proc.waitFor(10, TimeUnit.MINUTES) || proc.exitValue() != 0) {
            throw new IllegalStateException("local runtime " + args[0] + " failed:\n" + out);
        }
    }

    @Override
    public void close() throws Exception {
        cli("down");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
