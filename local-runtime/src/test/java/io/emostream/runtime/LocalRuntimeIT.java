package io.emostream.runtime;

import io.emostream.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the packaged local runtime exactly as {@code ./emostream} does (its own JVM, real broker, real
 * PostgreSQL) and checks the lifecycle promises: data survives a restart, a second start on the same data is
 * refused, stopping leaves no process behind, and a killed supervisor takes its broker with it.
 *
 * <p>The steps depend on each other (one runtime, started and stopped several times), hence the order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalRuntimeIT {

    private static Path home;
    private static int kafkaPort;
    private static int controllerPort;
    private static int pgPort;

    @BeforeAll
    static void ports() throws IOException {
        home = Files.createTempDirectory("emostream-runtime-it");
        kafkaPort = freePort();
        controllerPort = freePort();
        pgPort = freePort();
    }

    @AfterAll
    static void cleanup() throws Exception {
        cli("down");
    }

    @Test
    @Order(1)
    void startsRealBrokerAndPostgresAndCreatesTopics() throws Exception {
        Result up = cli("up", "--services", "none");
        assertThat(up.code).as(up.output).isZero();
        RuntimeState state = RuntimeState.read(home).orElseThrow();
        assertThat(state.state()).isEqualTo(RuntimeState.READY);
        assertThat(state.kafkaPid()).isPositive();
        assertThat(state.postgresPid()).isPositive();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            var topics = admin.describeTopics(
                            Topics.ALL.stream().map(Topics.TopicSpec::name).toList())
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            assertThat(topics).hasSize(Topics.ALL.size());
            assertThat(topics.values())
                    .allSatisfy(t -> assertThat(t.partitions()).hasSize(Topics.DEFAULT_PARTITIONS));
        }
    }

    @Test
    @Order(2)
    void producesAndConsumesThroughTheBroker() throws Exception {
        produce("rec-1", "{\"schemaVersion\":1,\"recordingId\":\"rec-1\",\"text\":\"hello\"}");
        assertThat(consumeAll()).contains("rec-1");
    }

    @Test
    @Order(3)
    void writesAndReadsPostgres() throws Exception {
        try (Connection c = db();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE lifecycle (id int PRIMARY KEY, note text)");
            s.execute("INSERT INTO lifecycle VALUES (1, 'survives restarts')");
        }
        assertThat(readNote()).isEqualTo("survives restarts");
    }

    @Test
    @Order(4)
    void secondStartOnSameDataIsRefused() throws Exception {
        Result second = cli("supervise", "--services", "none");
        assertThat(second.code).isNotZero();
        assertThat(second.output).contains("already running");
        // the first one is untouched
        assertThat(RuntimeState.read(home).orElseThrow().state()).isEqualTo(RuntimeState.READY);
        assertThat(readNote()).isEqualTo("survives restarts");
    }

    @Test
    @Order(5)
    void stopLeavesNoProcessAndRestartReusesData() throws Exception {
        RuntimeState before = RuntimeState.read(home).orElseThrow();
        Result down = cli("down");
        assertThat(down.code).as(down.output).isZero();
        assertGone(before.pid(), before.kafkaPid(), before.postgresPid());
        assertThat(RuntimeState.read(home).orElseThrow().state()).isEqualTo(RuntimeState.STOPPED);

        Result up = cli("up", "--services", "none");
        assertThat(up.code).as(up.output).isZero();
        assertThat(consumeAll()).contains("rec-1");
        assertThat(readNote()).isEqualTo("survives restarts");
    }

    @Test
    @Order(6)
    void killedSupervisorTakesItsBrokerAlongAndNextStartRecovers() throws Exception {
        RuntimeState before = RuntimeState.read(home).orElseThrow();
        ProcessHandle.of(before.pid()).orElseThrow().destroyForcibly();
        awaitDead(before.kafkaPid(), Duration.ofSeconds(60));

        // PostgreSQL is daemonised by pg_ctl and outlives a kill -9; the next start stops it and goes on
        Result up = cli("up", "--services", "none");
        assertThat(up.code).as(up.output).isZero();
        assertThat(readNote()).isEqualTo("survives restarts");
        assertThat(consumeAll()).contains("rec-1");

        RuntimeState after = RuntimeState.read(home).orElseThrow();
        assertThat(cli("down").code).isZero();
        assertGone(after.pid(), after.kafkaPid(), after.postgresPid());
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Result(int code, String output) {}

    private static Result cli(String... args) throws Exception {
        Path target = Path.of("target");
        String jar;
        try (Stream<Path> files = Files.list(target)) {
            jar = files.filter(p -> p.getFileName().toString().equals("local-runtime.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("run after `package`"))
                    .toString();
        }
        String cp = jar + ":" + target.resolve("lib").toAbsolutePath() + "/*";
        List<String> cmd = new ArrayList<>(List.of(ChildProcesses.javaBin(), "-cp", cp, RuntimeMain.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of(
                "--home",
                home.toString(),
                "--kafka-port",
                Integer.toString(kafkaPort),
                "--controller-port",
                Integer.toString(controllerPort),
                "--postgres-port",
                Integer.toString(pgPort)));
        if (args[0].equals("down")) {
            cmd = cmd.subList(0, cmd.size() - 6); // down only needs --home
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("runtime CLI hung: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    private static String bootstrap() {
        return "localhost:" + kafkaPort;
    }

    private static void produce(String key, String value) throws Exception {
        try (var producer = new KafkaProducer<String, String>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                        ProducerConfig.ACKS_CONFIG, "all",
                        // as the services send: the broker must be able to decompress lz4 batches
                        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRANSCRIPTS, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> consumeAll() {
        List<String> keys = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.TRANSCRIPTS).stream()
                    .map(pi -> new TopicPartition(pi.topic(), pi.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    keys.add(r.key());
                }
            }
        }
        return keys;
    }

    private static Connection db() throws Exception {
        return DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + pgPort + "/" + RuntimeSettings.DATABASE,
                RuntimeSettings.DB_USER,
                RuntimeSettings.DB_PASSWORD);
    }

    private static String readNote() throws Exception {
        try (Connection c = db();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT note FROM lifecycle WHERE id = 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void assertGone(long... pids) {
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                    .as("process %d still alive", pid)
                    .isEmpty();
        }
    }

    private static void awaitDead(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline
                && ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent()) {
            Thread.sleep(100);
        }
        assertGone(pid);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
