package io.emostream.guard.streams;

import io.emostream.testsupport.RealInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the real broker: a Kafka Streams app closed by {@link StreamsShutdown} is out of its group when the close
 * returns, while one closed plainly is still a member until its session (30 s here) ends.
 */
class StreamsShutdownTest {

    private static final int SESSION_MS = 30_000;
    private static Admin admin;
    private static String topic;

    @TempDir
    Path state;

    @BeforeAll
    static void broker() throws Exception {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers()));
        topic = "shutdown-test-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void close() {
        admin.close();
    }

    @Test
    void closingLeavingTheGroupEmptiesItAtOnce() throws Exception {
        String app = "shutdown-leave-" + UUID.randomUUID();
        KafkaStreams streams = start(app);
        assertThat(members(app)).isEqualTo(1);

        assertThat(StreamsShutdown.closeLeavingGroup(streams, Duration.ofSeconds(30)))
                .isTrue();

        assertThat(members(app)).as("members right after the close").isZero();
    }

    @Test
    void aPlainCloseLeavesTheMemberInTheGroupUntilItsSessionEnds() throws Exception {
        String app = "shutdown-plain-" + UUID.randomUUID();
        KafkaStreams streams = start(app);
        assertThat(members(app)).isEqualTo(1);

        assertThat(streams.close(Duration.ofSeconds(30))).isTrue();

        assertThat(members(app)).as("members right after the close").isEqualTo(1);
    }

    /** A one-thread static member on the test topic, RUNNING and alone in a Stable group. */
    private KafkaStreams start(String app) throws Exception {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(topic).foreach((k, v) -> {});
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfra.kafkaBootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.consumerPrefix("group.instance.id"), app + "-instance");
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), SESSION_MS);
        KafkaStreams streams = new KafkaStreams(b.build(), p);
        streams.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING || members(app) != 1) {
            assertThat(System.nanoTime()).as("running and in its group").isLessThan(deadline);
            Thread.sleep(50);
        }
        return streams;
    }

    private static int members(String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(group);
        return d.members().size();
    }
}
