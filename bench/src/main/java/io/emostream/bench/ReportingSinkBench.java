package io.emostream.bench;

import io.emostream.contracts.Distribution;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.FusionMode;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceId;
import io.emostream.runtime.LocalPlatform;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Rows per second the reporting sink lands in PostgreSQL: N fused results (20 per recording, both modalities, as
 * the fusion service writes them) are produced to the real broker as fast as it takes them, while the real
 * reporting-service JVM consumes them; the rate is rows landed between the first and the last row. Then the same
 * N records are replayed, which the sink must absorb without changing a row.
 *
 * <pre>bench/reporting-sink.sh [records]</pre>
 */
public final class ReportingSinkBench {

    private static final int PER_RECORDING = 20;
    /** HTTP/1.1 only: the JDK client's default h2c upgrade attempt can hang against the service. */
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(5))
            .build();

    private static final String[] MODELS = {"ser-crnn", "ter-minilm-cnn"};

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        try (LocalPlatform platform = LocalPlatform.start(Stats.repo(), "reporting", Map.of())) {
            long pid = platform.pid("reporting");
            String service = platform.url("reporting");
            byte[][] values = new byte[n][];
            String[] keys = new String[n];
            Random random = new Random(42);
            Instant t0 = Instant.now();
            for (int i = 0; i < n; i++) {
                FusedEmotion f = result("bench-" + (i / PER_RECORDING), i % PER_RECORDING, random, t0.plusMillis(i));
                keys[i] = f.utteranceId();
                values[i] = EventSerdes.FUSED_EMOTION.serialize(Topics.EMOTIONS, f);
            }
            System.out.printf(
                    "producing %,d records (%,d bytes each on average)%n",
                    n, java.util.Arrays.stream(values).mapToLong(v -> v.length).sum() / n);

            try (KafkaProducer<String, byte[]> producer = producer(platform.bootstrapServers());
                    Connection db = DriverManager.getConnection(platform.jdbcUrl(), "emostream", "emostream")) {
                double cpu0 = ThreadCpu.cpuSeconds(pid);
                long start = System.nanoTime();
                produce(producer, keys, values);
                double produceSeconds = (System.nanoTime() - start) / 1e9;
                long firstRowAt = 0;
                long lastRowAt;
                while (true) {
                    long rows = count(db);
                    long now = System.nanoTime();
                    if (rows > 0 && firstRowAt == 0) {
                        firstRowAt = now;
                    }
                    if (rows >= n) {
                        lastRowAt = now;
                        break;
                    }
                    if ((now - start) > TimeUnit.MINUTES.toNanos(10)) {
                        throw new IllegalStateException("only " + rows + " of " + n + " rows after 10 minutes");
                    }
                    Thread.sleep(100);
                }
                double cpu1 = ThreadCpu.cpuSeconds(pid);
                double sinkSeconds = (lastRowAt - firstRowAt) / 1e9;
                double totalSeconds = (lastRowAt - start) / 1e9;
                Map<String, Double> metrics = metrics(service);

                // replay: the same records again; no row may change, the sink must keep up
                double consumed0 = metrics.getOrDefault("emostream_reporting_records_consumed_total", 0.0);
                long replayStart = System.nanoTime();
                produce(producer, keys, values);
                while (metrics(service).getOrDefault("emostream_reporting_records_consumed_total", 0.0)
                        < consumed0 + n) {
                    Thread.sleep(100);
                }
                double replaySeconds = (System.nanoTime() - replayStart) / 1e9;
                long rowsAfterReplay = count(db);

                Map<String, Object> figures = Stats.figures();
                figures.put("records", n);
                figures.put("rows_per_s", n / sinkSeconds);
                figures.put("first_to_last_row_s", sinkSeconds);
                figures.put("produce_s", produceSeconds);
                figures.put("produce_to_all_stored_s", totalSeconds);
                figures.put("replay_records_per_s", n / replaySeconds);
                figures.put("rows_after_replay", rowsAfterReplay);
                figures.put("bytes_per_row_with_indexes", bytesPerRow(db)); // for sizing the database
                figures.put("service_cpu_s_per_10k_rows", (cpu1 - cpu0) / n * 10_000);
                figures.put(
                        "mean_batch_records",
                        metrics.get("emostream_reporting_batch_size_sum")
                                / metrics.get("emostream_reporting_batch_size_count"));
                figures.put(
                        "mean_batch_write_ms",
                        1000
                                * metrics.get("emostream_reporting_sink_latency_seconds_sum")
                                / metrics.get("emostream_reporting_sink_latency_seconds_count"));
                figures.put("deadletters", metrics.getOrDefault("emostream_reporting_deadletters_total", 0.0));
                Stats.print("reporting-sink", figures);
            }
        }
    }

    static FusedEmotion result(String recordingId, int index, Random random, Instant eventTime) {
        double[] w = new double[7];
        int mood = Math.floorMod(recordingId.hashCode(), 7);
        for (int k = 0; k < w.length; k++) {
            w[k] = Math.pow(random.nextDouble(), 3) + (k == mood ? 0.5 * random.nextDouble() : 0);
        }
        Distribution p = Distribution.of(w);
        String speaker = index % 2 == 0 ? "agent-" + Math.floorMod(recordingId.hashCode(), 200) : "customer";
        String id = UtteranceId.of(recordingId, index);
        long start = index * 3000L;
        EmotionScore speech = new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                id,
                recordingId,
                index,
                Modality.SPEECH,
                start,
                start + 2500,
                speaker,
                true,
                null,
                new ModelRef(MODELS[0], "1.0.0"),
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(2, 9, 16, 1),
                eventTime,
                eventTime.plusMillis(40));
        EmotionScore text = new EmotionScore(
                EmotionScore.SCHEMA_VERSION,
                id,
                recordingId,
                index,
                Modality.TEXT,
                start,
                start + 2500,
                speaker,
                true,
                "utterance " + index + " of a call",
                new ModelRef(MODELS[1], "1.0.0"),
                p,
                p.label(),
                p.confidence(),
                new InferenceTiming(1, 5, 16, 1),
                eventTime,
                eventTime.plusMillis(30));
        return new FusedEmotion(
                FusedEmotion.SCHEMA_VERSION,
                id,
                recordingId,
                index,
                start,
                start + 2500,
                speaker,
                "utterance " + index + " of a call",
                Modalities.BOTH,
                FusionMode.FIXED,
                0.6,
                1.0,
                speech,
                text,
                p,
                p.label(),
                p.confidence(),
                false,
                eventTime,
                eventTime.plusMillis(60));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        20,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        512 * 1024,
                        ProducerConfig.BUFFER_MEMORY_CONFIG,
                        256L * 1024 * 1024),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static void produce(KafkaProducer<String, byte[]> producer, String[] keys, byte[][] values) {
        for (int i = 0; i < keys.length; i++) {
            producer.send(new ProducerRecord<>(Topics.EMOTIONS, keys[i], values[i]));
        }
        producer.flush();
    }

    private static long bytesPerRow(Connection db) throws Exception {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pg_total_relation_size('utterances') / greatest(count(*), 1) FROM utterances")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long count(Connection db) throws Exception {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM utterances")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The service's Prometheus metrics, summed over tags, by name. */
    static Map<String, Double> metrics(String service) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(service + "/q/metrics"))
                        .timeout(java.time.Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String name = line.split("[{ ]", 2)[0];
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            m.merge(name, v, Double::sum);
        }
        return m;
    }

    private ReportingSinkBench() {}
}
