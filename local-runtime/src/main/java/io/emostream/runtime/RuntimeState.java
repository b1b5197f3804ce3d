package io.emostream.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * What the supervisor publishes about itself in {@code <home>/runtime.json}, so {@code up}, {@code status} and
 * {@code down} (other processes) can find it.
 */
public record RuntimeState(
        long pid,
        String state,
        String kafkaBootstrapServers,
        String jdbcUrl,
        long kafkaPid,
        long postgresPid,
        List<Service> services,
        String message) {

    public static final String STARTING = "starting";
    public static final String READY = "ready";
    public static final String STOPPING = "stopping";
    public static final String STOPPED = "stopped";
    public static final String FAILED = "failed";

    /** A service JVM; {@code instance} 0 is the one {@code up} starts, further ones come from {@code scale}. */
    public record Service(String name, int instance, String url, long pid) {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Path file(Path home) {
        return home.resolve("runtime.json");
    }

    void write(Path home) throws IOException {
        Files.createDirectories(home);
        Path tmp = home.resolve("runtime.json.tmp");
        MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, file(home), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Optional<RuntimeState> read(Path home) {
        Path f = file(home);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(MAPPER.readValue(f.toFile(), RuntimeState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the supervisor that wrote this is still alive. */
    public boolean supervisorAlive() {
        return ChildProcesses.alive(pid).isPresent();
    }
}
