package io.emostream.runtime;

import io.emostream.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker (broker + controller), run from the Kafka jars as its own JVM. The log
 * directory is formatted once; later starts reuse it.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Path log;
    private Process process;

    public KafkaBroker(Path dir, int port, int controllerPort, Path log) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.log = log;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public long pid() {
        return process == null ? 0 : process.pid();
    }

    public void start(Duration timeout) throws IOException, InterruptedException {
        if (ChildProcesses.portOpen(port)) {
            throw new IOException("port " + port + " is already in use: is another broker running? "
                    + "Stop it or choose another port (EMOSTREAM_KAFKA_PORT)");
        }
        Path logDirs = dir.resolve("data");
        Files.createDirectories(logDirs);
        Path config = dir.resolve("server.properties");
        writeConfig(config, logDirs);
        String classpath = System.getProperty("java.class.path");
        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            // Kafka's own ids never start with '-', which kafka-storage's argument parser would take for an option
            // (a plain base64 UUID does in 1 of 64 starts: "argument --cluster-id/-t: expected one argument")
            String clusterId = Uuid.randomUuid().toString();
            Process format = ChildProcesses.start(
                    ChildProcesses.javaCommand(List.of(
                            "-Xmx256m",
                            "-cp",
                            classpath,
                            "kafka.tools.StorageTool",
                            "format",
                            "-t",
                            clusterId,
                            "-c",
                            config.toString())),
                    log,
                    Map.of());
            format.getOutputStream().close();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IOException("formatting the Kafka log directory failed; see " + log);
            }
        }
        process = ChildProcesses.start(
                ChildProcesses.javaCommand(List.of(
                        "-Xms256m",
                        "-Xmx768m",
                        "-XX:+UseG1GC",
                        "-Djava.awt.headless=true",
                        "-cp",
                        classpath,
                        ParentWatch.class.getName(),
                        "kafka.Kafka",
                        config.toString())),
                log,
                Map.of());
        ChildProcesses.waitForPort(port, process, timeout, "Kafka broker", log);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IOException("Kafka broker did not answer on " + bootstrapServers() + "; see " + log, e);
        }
    }

    private void writeConfig(Path config, Path logDirs) throws IOException {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDirs.toString());
        p.put("num.partitions", Integer.toString(Topics.DEFAULT_PARTITIONS));
        p.put("auto.create.topics.enable", "false");
        // single node: internal topics cannot be replicated
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("message.max.bytes", Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES));
        // the default (100 MB) would refuse a produce request carrying a recording near the 200 MB limit
        p.put("socket.request.max.bytes", Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES + 20 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("log.segment.bytes", Integer.toString(256 * 1024 * 1024));
        try (var out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            p.store(out, "written by the EmoStream local runtime on every start");
        }
    }

    @Override
    public void close() {
        if (process != null) {
            // SIGTERM triggers Kafka's controlled shutdown, which flushes and closes the logs cleanly
            ChildProcesses.stop(process.toHandle(), Duration.ofSeconds(30));
        }
    }
}
