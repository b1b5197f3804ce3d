package io.emostream.runtime;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * A real PostgreSQL server from the embedded binaries (zonky), with the {@code emostream} database and role. The
 * cluster is initialised once; later starts reuse it.
 */
public final class PostgresServer implements AutoCloseable {

    private final Path dataDir;
    private final int port;
    private final Path log;
    private EmbeddedPostgres pg;

    public PostgresServer(Path dataDir, int port, Path log) {
        this.dataDir = dataDir;
        this.port = port;
        this.log = log;
    }

    public void start() throws IOException, SQLException {
        stopStalePostmaster();
        if (ChildProcesses.portOpen(port)) {
            throw new IOException("port " + port + " is already in use: is another PostgreSQL running? "
                    + "Stop it or choose another port (EMOSTREAM_POSTGRES_PORT)");
        }
        Files.createDirectories(dataDir);
        Files.createDirectories(log.getParent());
        pg = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "localhost")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        createDatabase();
    }

    /** A postmaster left running by a supervisor that was killed: stop it before starting ours. */
    private void stopStalePostmaster() throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return;
        }
        long pid = Long.parseLong(lines.get(0).trim());
        var handle = ChildProcesses.alive(pid);
        if (handle.isPresent()) {
            // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
            ChildProcesses.stop(handle.get(), Duration.ofSeconds(30));
        }
    }

    private void createDatabase() throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            if (!exists(s, "SELECT 1 FROM pg_roles WHERE rolname = '" + RuntimeSettings.DB_USER + "'")) {
                s.execute("CREATE ROLE " + RuntimeSettings.DB_USER + " LOGIN PASSWORD '" + RuntimeSettings.DB_PASSWORD
                        + "'");
            }
            if (!exists(s, "SELECT 1 FROM pg_roles WHERE rolname = '" + RuntimeSettings.DB_READER + "'")) {
                s.execute("CREATE ROLE " + RuntimeSettings.DB_READER + " LOGIN PASSWORD '"
                        + RuntimeSettings.DB_READER_PASSWORD + "'");
            }
            if (!exists(s, "SELECT 1 FROM pg_database WHERE datname = '" + RuntimeSettings.DATABASE + "'")) {
                s.execute("CREATE DATABASE " + RuntimeSettings.DATABASE + " OWNER " + RuntimeSettings.DB_USER);
            }
        }
    }

    private static boolean exists(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next();
        }
    }

    /** The postmaster's pid, from its pid file; 0 when not running. */
    public long pid() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/" + RuntimeSettings.DATABASE;
    }

    @Override
    public void close() throws IOException {
        if (pg != null) {
            pg.close();
        }
    }
}
