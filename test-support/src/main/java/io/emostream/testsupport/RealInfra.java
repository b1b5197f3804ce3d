package io.emostream.testsupport;

import io.emostream.contracts.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker (in this JVM, {@link KafkaClusterTestKit}) and a real PostgreSQL server
 * (embedded binaries), started once per test JVM on first use and stopped when the JVM exits. Every platform
 * topic is created with {@link Topics#DEFAULT_PARTITIONS} partitions. Tests share them, so each test uses its
 * own keys (recording ids) and consumer groups.
 */
public final class RealInfra {

    public static final String DB_NAME = "emostream";
    public static final String DB_USER = "emostream";
    public static final String DB_PASSWORD = "emostream";

    private static KafkaClusterTestKit kafka;
    private static EmbeddedPostgres postgres;
    /** Cleanups the Kafka test kit wanted as shutdown hooks (deleting its directories); run once it has stopped. */
    private static final List<Runnable> AFTER_KAFKA_STOPPED = new CopyOnWriteArrayList<>();

    private RealInfra() {}

    public static synchronized String kafkaBootstrapServers() {
        if (kafka == null) {
            kafka = startKafka();
            Runtime.getRuntime().addShutdownHook(new Thread(RealInfra::stopKafka, "stop-test-kafka"));
        }
        return kafka.bootstrapServers();
    }

    public static synchronized String jdbcUrl() {
        if (postgres == null) {
            postgres = startPostgres();
            Runtime.getRuntime().addShutdownHook(new Thread(RealInfra::stopPostgres, "stop-test-postgres"));
        }
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DB_NAME;
    }

    /** A superuser connection to the test database, for fixtures and assertions. */
    public static Connection superuserConnection() throws SQLException {
        jdbcUrl();
        return postgres.getDatabase("postgres", DB_NAME).getConnection();
    }

    private static KafkaClusterTestKit startKafka() {
        // The test kit's temporary directories are deleted by JVM shutdown hooks of their own (Kafka's TestUtils),
        // which run concurrently with the hook stopping this broker. A broker that loses its log dir halts the JVM
        // (LogManager/ReplicaManager: Exit.halt(1) when all log dirs have failed), silently, which fits what CI
        // showed in 2 of 4 runs: a test JVM whose tests all passed exited non-zero, nothing logged, no hs_err. The
        // deletions now run after the broker has stopped (stopKafka). Should a broker fault ever want to end the
        // JVM again, it is printed to stderr instead of ending it silently, so the cause shows in the fork's output.
        Exit.setShutdownHookAdder((name, hook) -> AFTER_KAFKA_STOPPED.add(hook));
        Exit.setExitProcedure((code, message) -> brokerWantedToTerminate("exit", code, message));
        Exit.setHaltProcedure((code, message) -> brokerWantedToTerminate("halt", code, message));
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "6")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "6")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("message.max.bytes", Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES))
                    .setConfigProp(
                            "socket.request.max.bytes",
                            Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES + 20 * 1024 * 1024))
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            createTopics(cluster.bootstrapServers());
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test Kafka broker", e);
        }
    }

    private static void brokerWantedToTerminate(String how, int code, String message) {
        System.err.printf("test broker: %s(%d) not carried out (%s)%n", how, code, message);
        Thread.dumpStack();
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = Topics.ALL.stream()
                    .map(t -> new NewTopic(t.name(), Topics.DEFAULT_PARTITIONS, (short) 1).configs(t.config()))
                    .toList();
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static EmbeddedPostgres startPostgres() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            try (Connection c = pg.getPostgresDatabase().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + DB_USER + " LOGIN PASSWORD '" + DB_PASSWORD + "'");
                s.execute("CREATE ROLE emostream_reader LOGIN PASSWORD 'emostream_reader'");
                s.execute("CREATE DATABASE " + DB_NAME + " OWNER " + DB_USER);
            }
            return pg;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test PostgreSQL", e);
        }
    }

    private static synchronized void stopKafka() {
        if (kafka != null) {
            try {
                kafka.close();
            } catch (Exception ignored) {
                // the JVM is exiting
            }
            kafka = null;
        }
        for (Runnable cleanup : AFTER_KAFKA_STOPPED) {
            try {
                cleanup.run();
            } catch (RuntimeException ignored) {
                // best effort: temporary directories
            }
        }
        AFTER_KAFKA_STOPPED.clear();
    }

    private static synchronized void stopPostgres() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (Exception ignored) {
                // the JVM is exiting
            }
            postgres = null;
        }
    }
}
