package io.emostream.bench;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.Topics;
import io.emostream.runtime.LocalPlatform;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * Fusion through the real broker: the fusion service runs as its own JVM (exactly as deployed, exactly-once,
 * changelogged stores) next to a real KRaft broker. Two phases:
 * <ol>
 * <li>throughput: N utterances (a speech and a text score each) produced as fast as possible; fused records/s
 * from the first score produced to the last fused record read;</li>
 * <li>latency: M utterances at a fixed rate below capacity; per utterance, from the produce time of its later
 * score to (a) the fused record's fusedAt (join latency, inside the service) and (b) the moment a read_committed
 * consumer reads it (end to end, including the exactly-once commit interval).</li>
 * </ol>
 * The service's and the broker's CPU time per utterance is reported for both phases: at a low fixed rate the fixed
 * costs (transaction commits, polls, punctuations) dominate, as they do in the whole pipeline.
 * Usage: {@code FusionBench [--pairs N] [--latency-pairs M] [--rate utterances/s]}; the service's environment is
 * this JVM's, so e.g. {@code KAFKA_STREAMS_COMMIT_INTERVAL_MS=500} sets its commit interval.
 */
public final class FusionBench {

    private static final Distribution VOICE = Distribution.of(0.025, 0.025, 0.025, 0.85, 0.025, 0.025, 0.025);
    private static final Distribution WORDS = Distribution.of(0.7, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05);
    private static final ModelRef SER = new ModelRef("ser-bench", "1.0.0");
    private static final ModelRef TER = new ModelRef("ter-bench", "1.0.0");

    private FusionBench() {}

    public static void main(String[] args) throws Exception {
        int pairs = 200_000;
        int latencyPairs = 30_000;
        int rate = 2_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--latency-pairs" -> latencyPairs = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.println("starting the broker and the fusion service ...");
        try (LocalPlatform platform = LocalPlatform.start(Stats.repo(), "fusion", Map.of())) {
            long pid = platform.pid("fusion");
            long brokerPid = io.emostream.runtime.RuntimeState.read(
                            platform.settings().home())
                    .orElseThrow()
                    .kafkaPid();
            String bootstrap = platform.bootstrapServers();
            // warm-up: JIT, RocksDB, producer/consumer connections
            run(bootstrap, "warm", 20_000, 0);

            long cpu0 = cpuMillis(pid);
            long brokerCpu0 = cpuMillis(brokerPid);
            Run t = run(bootstrap, "tput", pairs, 0);
            long cpu1 = cpuMillis(pid);
            long brokerCpu1 = cpuMillis(brokerPid);
            Run l = run(bootstrap, "lat", latencyPairs, rate);
            long cpu2 = cpuMillis(pid);
            long brokerCpu2 = cpuMillis(brokerPid);

            Map<String, Object> f = Stats.figures();
            f.put("utterances", pairs);
            f.put("fused_per_s", pairs / t.seconds());
            f.put("scores_in_per_s", 2.0 * pairs / t.seconds());
            f.put("produce_per_s", 2.0 * pairs / t.produceSeconds());
            f.put("tput_e2e_p50_ms", t.endToEnd().percentile(50));
            f.put("tput_e2e_p99_ms", t.endToEnd().percentile(99));
            f.put("service_cpu_cores", (cpu1 - cpu0) / 1000.0 / t.seconds());
            // CPU time per utterance: less sensitive to other load on the machine than the rates
            f.put("service_cpu_us_per_utt", (cpu1 - cpu0) * 1000.0 / pairs);
            f.put("broker_cpu_us_per_utt", (brokerCpu1 - brokerCpu0) * 1000.0 / pairs);
            f.put(
                    "load_avg_1m",
                    Double.parseDouble(
                            Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
            f.put("service_rss_mb", rssMb(pid));
            f.put("latency_rate_per_s", rate);
            f.put("latency_utterances", latencyPairs);
            f.put("join_p50_ms", l.join().percentile(50));
            f.put("join_p99_ms", l.join().percentile(99));
            f.put("e2e_p50_ms", l.endToEnd().percentile(50));
            f.put("e2e_p99_ms", l.endToEnd().percentile(99));
            f.put("e2e_max_ms", l.endToEnd().percentile(100));
            // at a fixed rate the fixed costs (commits, transactions, polls) are shared by fewer utterances
            f.put("latency_service_cpu_us_per_utt", (cpu2 - cpu1) * 1000.0 / latencyPairs);
            f.put("latency_broker_cpu_us_per_utt", (brokerCpu2 - brokerCpu1) * 1000.0 / latencyPairs);
            f.put("commit_interval_ms", System.getenv().getOrDefault("KAFKA_STREAMS_COMMIT_INTERVAL_MS", "default"));
            f.put("cores", Runtime.getRuntime().availableProcessors());
            Stats.print("fusion", f);
        }
    }

    record Run(double seconds, double produceSeconds, Stats join, Stats endToEnd) {}

    /** Produces {@code n} utterances (at {@code rate}/s, or unthrottled when 0) and reads their fused results. */
    private static Run run(String bootstrap, String tag, int n, int rate) throws Exception {
        String prefix = "bench-" + tag + "-" + System.nanoTime() + "#";
        List<byte[][]> values = prepare(prefix, n);
        Reader reader = new Reader(bootstrap, prefix, n);
        Thread thread = new Thread(reader, "bench-reader-" + tag);
        thread.setDaemon(true);
        thread.start();
        reader.positioned.await();

        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (int i = 0; i < n; i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                String key = prefix + i;
                producer.send(new ProducerRecord<>(Topics.SCORES_SPEECH, key, values.get(i)[0]));
                producer.send(new ProducerRecord<>(Topics.SCORES_TEXT, key, values.get(i)[1]));
            }
            producer.flush();
        }
        long produced = System.nanoTime();
        thread.join(Duration.ofMinutes(10).toMillis());
        reader.stop = true;
        if (reader.failure != null) {
            throw new IllegalStateException(tag + ": reader failed", reader.failure);
        }
        if (reader.read < n) {
            throw new IllegalStateException(tag + ": only " + reader.read + " of " + n + " fused records arrived");
        }
        double seconds = (reader.lastReadAt - start) / 1e9;
        System.out.printf("  %s: %d utterances, %.1f s, %.0f fused/s%n", tag, n, seconds, n / seconds);
        return new Run(seconds, (produced - start) / 1e9, reader.join, reader.endToEnd);
    }

    /** Reads the run's fused records from the end of the emotions topic (read_committed) and times each. */
    private static final class Reader implements Runnable {
        final String bootstrap;
        final String prefix;
        final int n;
        final CountDownLatch positioned = new CountDownLatch(1);
        final Stats join = new Stats();
        final Stats endToEnd = new Stats();
        volatile boolean stop;
        volatile int read;
        volatile long lastReadAt;
        volatile Exception failure;

        Reader(String bootstrap, String prefix, int n) {
            this.bootstrap = bootstrap;
            this.prefix = prefix;
            this.n = n;
        }

        @Override
        @SuppressWarnings("NonAtomicVolatileUpdate") // one writer (this thread); the main thread only reads
        public void run() {
            try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
                List<TopicPartition> parts = consumer.partitionsFor(Topics.EMOTIONS).stream()
                        .map(p -> new TopicPartition(Topics.EMOTIONS, p.partition()))
                        .toList();
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                parts.forEach(consumer::position); // resolve the end offsets before anything is produced
                positioned.countDown();
                while (read < n && !stop) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (!r.key().startsWith(prefix)) {
                            continue;
                        }
                        long now = System.currentTimeMillis();
                        // the fused record's timestamp is its later input's, i.e. when that score was produced
                        endToEnd.add((double) (now - r.timestamp()));
                        join.add((double) (fusedAtMillis(r.value()) - r.timestamp()));
                        read++;
                        lastReadAt = System.nanoTime();
                    }
                }
            } catch (Exception e) {
                failure = e;
            } finally {
                positioned.countDown();
            }
        }
    }

    private static List<byte[][]> prepare(String prefix, int n) {
        List<byte[][]> values = new ArrayList<>(n);
        Instant t = Instant.now();
        Random random = new Random(42);
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            String recording = prefix.substring(0, prefix.length() - 1);
            long start = i * 2500L;
            EmotionScore s = new EmotionScore(
                    EmotionScore.SCHEMA_VERSION,
                    id,
                    recording,
                    i,
                    Modality.SPEECH,
                    start,
                    start + 2400,
                    "spk-" + (i % 2),
                    true,
                    null,
                    SER,
                    VOICE,
                    VOICE.label(),
                    VOICE.confidence(),
                    new InferenceTiming(1.0, 20.0, 16, 1),
                    t,
                    t);
            EmotionScore x = new EmotionScore(
                    EmotionScore.SCHEMA_VERSION,
                    id,
                    recording,
                    i,
                    Modality.TEXT,
                    start,
                    start + 2400,
                    "spk-" + (i % 2),
                    true,
                    "utterance number " + i + " says " + random.nextInt(1000),
                    TER,
                    WORDS,
                    WORDS.label(),
                    WORDS.confidence(),
                    new InferenceTiming(0.5, 4.0, 32, 1),
                    t,
                    t);
            values.add(new byte[][] {
                EventSerdes.EMOTION_SCORE.serialize(null, s), EventSerdes.EMOTION_SCORE.serialize(null, x)
            });
        }
        return values;
    }

    /** fusedAt without a full JSON parse, so the reader keeps up. */
    private static long fusedAtMillis(byte[] json) {
        String s = new String(json, StandardCharsets.UTF_8);
        int i = s.lastIndexOf("\"fusedAt\":\"");
        int from = i + "\"fusedAt\":\"".length();
        return Instant.parse(s.substring(from, s.indexOf('"', from))).toEpochMilli();
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        128 * 1024),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5000),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /** utime + stime of a process, from /proc (Linux). */
    private static long cpuMillis(long pid) throws Exception {
        return Math.round(ThreadCpu.cpuSeconds(pid) * 1000);
    }

    private static double rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
