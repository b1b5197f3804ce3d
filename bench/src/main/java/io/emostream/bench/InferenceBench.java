package io.emostream.bench;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.PcmAudio;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
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

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The inference service as deployed (its own JVM, real broker): N speech utterances of 3 s and N text utterances of
 * ~20 tokens published at once, scored with micro-batches of {@code batchSize}. Prints utterances/s (first input
 * published → last score committed; inputs are made before the clock starts) and per-utterance latency (input
 * record timestamp → score record timestamp), with the service's breakdown per utterance from its meters and the
 * CPU per utterance of the service (and of it, its JIT compiler threads), the broker and this bench, and the
 * service's CPU by thread. Each modality is first warmed up with the same load until the service's JIT compilers
 * use less than 5 % of its CPU (at most 5 passes).
 *
 * <pre>InferenceBench &lt;batchSize&gt; [speechUtterances] [textUtterances] [workers]</pre>
 * ({@code workers}: scoring workers per modality, {@code emostream.inference.workers}, default 1)
 */
public final class InferenceBench {

    // HTTP/1.1: the default client's h2c upgrade request to the service's metrics endpoint can hang
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    static final String TEXT = "I really can't believe you just said that to me in front of everyone here today";

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[0]);
        int nSpeech = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int nText = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int workers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Map<String, String> env = new HashMap<>(Map.of(
                "EMOSTREAM_INFERENCE_BATCH_MAX_SIZE", Integer.toString(batch),
                "EMOSTREAM_INFERENCE_BATCH_MAX_WAIT", "20ms",
                "EMOSTREAM_INFERENCE_WORKERS", Integer.toString(workers)));
        // extra environment for the service, "K=V;K=V" (comparisons, e.g. JAVA_TOOL_OPTIONS=-D...)
        for (String kv :
                System.getenv().getOrDefault("EMOSTREAM_BENCH_SERVICE_ENV", "").split(";")) {
            if (kv.contains("=")) {
                env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        try (LocalPlatform p = LocalPlatform.start(Stats.repo(), "inference", env)) {
            run(p, "speech", Topics.SCORES_SPEECH, nSpeech, batch, workers, id -> speech(id));
            run(p, "text", Topics.SCORES_TEXT, nText, batch, workers, id -> text(id));
        }
    }

    private static void run(
            LocalPlatform p,
            String modality,
            String scores,
            int n,
            int batch,
            int workers,
            java.util.function.Function<String, ProducerRecord<String, byte[]>> make)
            throws Exception {
        // warm-up: the same load until the service's JIT compilers use < 5 % of its CPU (at most 5 passes); cold,
        // a third of the service's CPU per utterance was compilation (bench/README.md, "Warm figures")
        for (int pass = 1; pass <= 5; pass++) {
            ThreadCpu.Snapshot before = ThreadCpu.snapshot(p.pid("inference"));
            pass(p, modality, scores, inputs(modality + "-warm" + pass, n, make), new Stats());
            ThreadCpu.Snapshot after = ThreadCpu.snapshot(p.pid("inference"));
            double jit = 100.0 * ThreadCpu.jitTicks(before, after) / Math.max(1, ThreadCpu.ticks(before, after));
            System.out.printf(
                    java.util.Locale.ROOT,
                    "%s warm-up pass %d: JIT compilers %.1f %% of the service's CPU%n",
                    modality,
                    pass,
                    jit);
            if (jit < 5) {
                break;
            }
        }
        String run = modality + "-" + UUID.randomUUID().toString().substring(0, 6);
        // the inputs are made before the clock starts: synthesising audio is the bench's cost, not the service's
        List<ProducerRecord<String, byte[]>> inputs = inputs(run, n, make);
        Map<String, Double> meters0 = meters(p, modality);
        Map<String, Double> cpu0 = cpu(p);
        ThreadCpu.Snapshot threads0 = ThreadCpu.snapshot(p.pid("inference"));
        Stats latency = new Stats();
        long[] span = pass(p, modality, scores, inputs, latency);
        Map<String, Double> meters1 = meters(p, modality);
        Map<String, Double> cpu1 = cpu(p);
        ThreadCpu.Snapshot threads1 = ThreadCpu.snapshot(p.pid("inference"));
        long wallMs = Math.max(1, span[1] - span[0]);
        var f = Stats.figures();
        f.put("modality", modality);
        f.put("batch_max_size", batch);
        f.put("workers", workers);
        f.put("utterances", latency.count());
        f.put("utterances_per_s", latency.count() * 1000.0 / wallMs);
        f.put("latency_p50_ms", latency.percentile(50));
        f.put("latency_p99_ms", latency.percentile(99));
        breakdown(f, latency.count(), wallMs, meters0, meters1, cpu0, cpu1);
        f.put(
                "jit_cpu_ms_per_utterance_service",
                ThreadCpu.jitTicks(threads0, threads1) * 10.0 / Math.max(1, latency.count()));
        Stats.print("inference service through the broker", f);
        System.out.print(ThreadCpu.table(threads0, threads1, wallMs / 1000.0, 10));
    }

    private static List<ProducerRecord<String, byte[]>> inputs(
            String run, int n, java.util.function.Function<String, ProducerRecord<String, byte[]>> make) {
        List<ProducerRecord<String, byte[]>> inputs = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            inputs.add(make.apply(run + "#" + i));
        }
        return inputs;
    }

    /**
     * Publishes the inputs at once and waits for all their scores (read_committed, from the scores topic's end
     * before publishing); adds each input → score latency to {@code latency}; returns {first publish, last score}
     * in epoch ms.
     */
    private static long[] pass(
            LocalPlatform p,
            String modality,
            String scores,
            List<ProducerRecord<String, byte[]>> inputs,
            Stats latency) {
        if (inputs.isEmpty()) {
            long now = System.currentTimeMillis();
            return new long[] {now, now};
        }
        String run = inputs.get(0).key().substring(0, inputs.get(0).key().indexOf('#') + 1);
        int n = inputs.size();
        Map<String, Object> cc = new HashMap<>();
        cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers());
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> pc = new HashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers());
        pc.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaConsumer<String, byte[]> c =
                        new KafkaConsumer<>(cc, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
            List<TopicPartition> parts = c.partitionsFor(scores).stream()
                    .map(x -> new TopicPartition(scores, x.partition()))
                    .toList();
            c.assign(parts);
            c.seekToEnd(parts);
            parts.forEach(c::position); // resolve the end offsets now, before any score of this pass exists
            producer.partitionsFor(modality.equals("speech") ? Topics.UTTERANCES_AUDIO : Topics.UTTERANCES_TEXT);
            long t0 = System.currentTimeMillis();
            for (ProducerRecord<String, byte[]> r : inputs) {
                producer.send(r);
            }
            producer.flush();
            inputs.clear();
            long last = t0;
            int seen = 0;
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(20).toMillis();
            while (seen < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key().startsWith(run)) {
                        var s = EventSerdes.EMOTION_SCORE.deserialize(scores, r.value());
                        latency.add((double) (r.timestamp() - s.ingestedAt().toEpochMilli()));
                        last = Math.max(last, r.timestamp());
                        seen++;
                    }
                }
            }
            if (seen < n) {
                throw new IllegalStateException(seen + " of " + n + " scores of " + run + " after 20 min");
            }
            return new long[] {t0, last};
        }
    }

    /**
     * Where the service's wall time per utterance goes, from its own meters (InferenceMetrics, summed over workers):
     * forward pass, decoding, the rest of scoring (score records, guard, spans), the batch's transaction, polls
     * that returned records, and polls that returned none (waiting for input, before the first and after the
     * last); and the CPU per utterance of the service, the broker and this bench (its
     * producer and consumer share the machine with the service).
     */
    private static void breakdown(
            Map<String, Object> f,
            long n,
            long wallMs,
            Map<String, Double> m0,
            Map<String, Double> m1,
            Map<String, Double> cpu0,
            Map<String, Double> cpu1) {
        double utterances = Math.max(1, m1.get("utterances") - m0.get("utterances"));
        double batches = Math.max(1, m1.get("forward_count") - m0.get("forward_count"));
        f.put("mean_batch", utterances / batches);
        f.put("wall_ms_per_utterance", wallMs / (double) Math.max(1, n));
        for (String k : List.of("forward", "decode", "score", "commit", "poll", "poll_empty")) {
            double ms = (m1.get(k + "_sum") - m0.get(k + "_sum")) * 1000 / utterances;
            String name = k;
            if (k.equals("score")) { // scoring minus its decode and forward: score records, guard, spans
                ms -= ((m1.get("forward_sum") - m0.get("forward_sum")) + (m1.get("decode_sum") - m0.get("decode_sum")))
                        * 1000
                        / utterances;
                name = "score_other";
            }
            f.put(name + "_ms_per_utterance", ms);
        }
        f.put("forward_ms_per_batch", (m1.get("forward_sum") - m0.get("forward_sum")) * 1000 / batches);
        for (String k : cpu0.keySet()) {
            f.put("cpu_ms_per_utterance_" + k, (cpu1.get(k) - cpu0.get(k)) * 1000 / utterances);
        }
        f.put("load_average", loadAverage());
    }

    /** The modality's inference meters from the service's Prometheus endpoint, summed over workers (seconds). */
    static Map<String, Double> meters(LocalPlatform p, String modality) {
        Map<String, Double> m = new HashMap<>();
        for (String k : List.of("forward", "decode", "score", "commit", "poll", "poll_empty")) {
            m.put(k + "_sum", 0.0);
            m.put(k + "_count", 0.0);
        }
        m.put("utterances", 0.0);
        String body;
        try {
            body = HTTP.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(p.url("inference") + "/q/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("#") || !line.contains("modality=\"" + modality + "\"")) {
                continue;
            }
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            String name = line.substring(0, line.indexOf('{'));
            if (name.equals("emostream_inference_utterances_total")) {
                m.merge("utterances", v, Double::sum);
            }
            if (name.startsWith("emostream_inference_poll_seconds") && line.contains("records=\"none\"")) {
                name = name.replace("_poll_", "_poll_empty_");
            }
            for (String k : List.of("forward", "decode", "score", "commit", "poll", "poll_empty")) {
                if (name.equals("emostream_inference_" + k + "_seconds_sum")) {
                    m.merge(k + "_sum", v, Double::sum);
                } else if (name.equals("emostream_inference_" + k + "_seconds_count")) {
                    m.merge(k + "_count", v, Double::sum);
                }
            }
        }
        return m;
    }

    /** CPU seconds so far of the inference JVM, the broker and this bench JVM. */
    static Map<String, Double> cpu(LocalPlatform p) {
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        try {
            m.put("service", ThreadCpu.cpuSeconds(p.pid("inference")));
            m.put(
                    "broker",
                    ThreadCpu.cpuSeconds(
                            io.emostream.runtime.RuntimeState.read(p.settings().home())
                                    .orElseThrow()
                                    .kafkaPid()));
            m.put("bench", ThreadCpu.cpuSeconds(ProcessHandle.current().pid()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read CPU times: " + e.getMessage(), e);
        }
        return m;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static ProducerRecord<String, byte[]> speech(String utteranceId) {
        float[] x = new float[3 * PcmAudio.SAMPLE_RATE];
        Random r = new Random(utteranceId.hashCode());
        for (int i = 0; i < x.length; i++) {
            double t = i / 16000.0;
            x[i] = (float) (0.2
                            * Math.sin(2 * Math.PI * (150 + 30 * Math.sin(2 * Math.PI * 0.5 * t)) * t)
                            * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t))
                    + 0.003 * r.nextGaussian());
        }
        var id = io.emostream.contracts.UtteranceId.parse(utteranceId);
        UtteranceAudio meta =
                new UtteranceAudio(id.recordingId(), id.index(), 0, 3000, null, null, true, "en", Instant.now());
        return AudioRecords.record(meta, PcmAudio.encode(x));
    }

    private static ProducerRecord<String, byte[]> text(String utteranceId) {
        var id = io.emostream.contracts.UtteranceId.parse(utteranceId);
        UtteranceText u = new UtteranceText(id.recordingId(), id.index(), 0, 3000, null, "en", TEXT, Instant.now());
        return new ProducerRecord<>(
                Topics.UTTERANCES_TEXT, utteranceId, EventSerdes.UTTERANCE_TEXT.serialize(Topics.UTTERANCES_TEXT, u));
    }
}
