package io.emostream.inference.messaging;

import io.emostream.inference.TestUtterances;
import io.emostream.testsupport.RealInfra;
import io.emostream.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL a scoring worker in the middle of a stream and start another: every utterance ends up with exactly one
 * committed score — the killed worker's open transaction is aborted, its uncommitted batch re-scored.
 */
class CrashRestartTest {

    private static final int UTTERANCES = 300;

    @Test
    void killedWorkerLosesNothingAndDuplicatesNothing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String in = "crash-test-in-" + run;
        String out = "crash-test-out-" + run;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", RealInfra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(in, 6, (short) 1), new NewTopic(out, 6, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        for (int i = 0; i < UTTERANCES; i++) {
            ProducerRecord<String, byte[]> r = TestUtterances.text(
                    "crash",
                    i,
                    i % 2 == 0 ? "I am really upset about this, number " + i : "Thanks, that is great, number " + i);
            TestKafka.send(new ProducerRecord<>(in, r.key(), r.value()));
        }
        String group = "crash-test-" + run;
        String txId = group + "-instance";

        Process first = startWorker(group, txId, in, out, "first");
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (TestKafka.scoredUtteranceIds(out).size() < 30) {
                assertThat(first.isAlive()).as("first worker died on its own").isTrue();
                assertThat(System.nanoTime())
                        .as("first worker never committed 30 scores")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hooks, no commit
        }
        int atCrash = TestKafka.scoredUtteranceIds(out).size();
        assertThat(atCrash).as("the kill must land mid-stream").isLessThan(UTTERANCES);

        Process second = startWorker(group, txId, in, out, "second");
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            List<String> keys = TestKafka.scoredUtteranceIds(out);
            while (new java.util.HashSet<>(keys).size() < UTTERANCES && System.nanoTime() < deadline) {
                Thread.sleep(200);
                keys = TestKafka.scoredUtteranceIds(out);
            }
            Map<String, Integer> perKey = new HashMap<>();
            keys.forEach(k -> perKey.merge(k, 1, Integer::sum));
            assertThat(perKey).as("every utterance scored").hasSize(UTTERANCES);
            assertThat(perKey.values()).as("no utterance scored twice").allMatch(n -> n == 1);
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process startWorker(String group, String txId, String in, String out, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        File log = new File("target/crash-test-" + name + ".log");
        return new ProcessBuilder(
                        java,
                        "-Xmx1g",
                        "-Dai.djl.offline=true",
                        "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                        "-cp",
                        System.getProperty("java.class.path"),
                        WorkerChild.class.getName(),
                        RealInfra.kafkaBootstrapServers(),
                        group,
                        txId,
                        in,
                        out)
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
    }
}
