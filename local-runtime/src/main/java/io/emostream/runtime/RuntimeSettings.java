package io.emostream.runtime;

import io.emostream.contracts.Topics;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the local runtime keeps its data and which ports it uses. Every value can be set by environment
 * variable (shown) or by the matching command-line flag.
 *
 * @param home           data directory: Kafka log dirs, PostgreSQL cluster, logs, state file ({@code EMOSTREAM_HOME})
 * @param repo           the repository root, to find the services' built jars ({@code EMOSTREAM_REPO})
 * @param kafkaPort      client port of the broker ({@code EMOSTREAM_KAFKA_PORT})
 * @param controllerPort KRaft controller port ({@code EMOSTREAM_KAFKA_CONTROLLER_PORT})
 * @param postgresPort   PostgreSQL port ({@code EMOSTREAM_POSTGRES_PORT})
 * @param partitions     partitions per topic on first creation ({@code EMOSTREAM_PARTITIONS})
 * @param portOffset     added to every service's HTTP port, to run a second platform beside one on the default
 *                       ports ({@code EMOSTREAM_PORT_OFFSET})
 */
public record RuntimeSettings(
        Path home, Path repo, int kafkaPort, int controllerPort, int postgresPort, int partitions, int portOffset) {

    public static final String DATABASE = "emostream";
    public static final String DB_USER = "emostream";
    public static final String DB_PASSWORD = "emostream";
    public static final String DB_READER = "emostream_reader";
    public static final String DB_READER_PASSWORD = "emostream_reader";
    /** Port distance between instances of one service. */
    public static final int INSTANCE_PORT_STEP = 100;
    /** Instances per service {@code scale} allows locally. */
    public static final int MAX_INSTANCES = 4;

    public static RuntimeSettings fromEnv(Map<String, String> env) {
        Path repo = Path.of(env.getOrDefault("EMOSTREAM_REPO", "."))
                .toAbsolutePath()
                .normalize();
        return new RuntimeSettings(
                Path.of(env.getOrDefault(
                                "EMOSTREAM_HOME", repo.resolve(".emostream").toString()))
                        .toAbsolutePath()
                        .normalize(),
                repo,
                Integer.parseInt(env.getOrDefault("EMOSTREAM_KAFKA_PORT", "19092")),
                Integer.parseInt(env.getOrDefault("EMOSTREAM_KAFKA_CONTROLLER_PORT", "19093")),
                Integer.parseInt(env.getOrDefault("EMOSTREAM_POSTGRES_PORT", "15432")),
                Integer.parseInt(env.getOrDefault("EMOSTREAM_PARTITIONS", Integer.toString(Topics.DEFAULT_PARTITIONS))),
                Integer.parseInt(env.getOrDefault("EMOSTREAM_PORT_OFFSET", "0")));
    }

    public String bootstrapServers() {
        return "localhost:" + kafkaPort;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgresPort + "/" + DATABASE;
    }

    public int servicePort(ServiceSpec spec) {
        return servicePort(spec, 0);
    }

    /** Port of a service's instance: further instances ({@code scale}) take the next hundreds (8180, 8280, …). */
    public int servicePort(ServiceSpec spec, int instance) {
        return spec.port() + portOffset + INSTANCE_PORT_STEP * instance;
    }

    public String serviceUrl(ServiceSpec spec) {
        return serviceUrl(spec, 0);
    }

    public String serviceUrl(ServiceSpec spec, int instance) {
        return "http://localhost:" + servicePort(spec, instance);
    }

    public Path logs() {
        return home.resolve("logs");
    }

    /**
     * The API key of this local installation: generated once into {@code <home>/api-key} (readable only by its
     * owner), given to the ingest and reporting services ({@code X-API-Key}), and used by {@code analyze}.
     */
    public String apiKey() {
        Path file = home.resolve("api-key");
        try {
            if (!java.nio.file.Files.exists(file)) {
                java.nio.file.Files.createDirectories(home);
                byte[] b = new byte[16];
                new java.security.SecureRandom().nextBytes(b);
                java.nio.file.Files.writeString(file, java.util.HexFormat.of().formatHex(b));
                try {
                    java.nio.file.Files.setPosixFilePermissions(
                            file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
            return java.nio.file.Files.readString(file).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read or create " + file, e);
        }
    }

    public RuntimeSettings with(String flag, String value) {
        return switch (flag) {
            case "--home" ->
                new RuntimeSettings(
                        Path.of(value).toAbsolutePath().normalize(),
                        repo,
                        kafkaPort,
                        controllerPort,
                        postgresPort,
                        partitions,
                        portOffset);
            case "--kafka-port" ->
                new RuntimeSettings(
                        home, repo, Integer.parseInt(value), controllerPort, postgresPort, partitions, portOffset);
            case "--controller-port" ->
                new RuntimeSettings(
                        home, repo, kafkaPort, Integer.parseInt(value), postgresPort, partitions, portOffset);
            case "--postgres-port" ->
                new RuntimeSettings(
                        home, repo, kafkaPort, controllerPort, Integer.parseInt(value), partitions, portOffset);
            case "--partitions" ->
                new RuntimeSettings(
                        home, repo, kafkaPort, controllerPort, postgresPort, Integer.parseInt(value), portOffset);
            case "--port-offset" ->
                new RuntimeSettings(
                        home, repo, kafkaPort, controllerPort, postgresPort, partitions, Integer.parseInt(value));
            default -> throw new IllegalArgumentException("unknown option " + flag);
        };
    }
}
