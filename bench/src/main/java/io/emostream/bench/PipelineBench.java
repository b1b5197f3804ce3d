package io.emostream.bench;

import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.Topics;
import io.emostream.runtime.LocalPlatform;
import io.emostream.runtime.RuntimeState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The whole pipeline on this machine: the real broker, PostgreSQL and the four services as their own JVMs with the
 * shipped models, fed with the project's sample recordings (inline transcripts: 4 recordings = 6 utterances of
 * 4–7 s speech each) on {@code emostream.recordings}.
 *
 * <ul>
 *   <li>{@code throughput [recordings]}: a backlog published at once; utterances/s from the first publish to the
 *       last complete row; CPU seconds per utterance of every stage (service JVMs, broker, PostgreSQL); peak
 *       consumer lag of each stage, to name the bottleneck.</li>
 *   <li>{@code latency [rate] [seconds]}: a fixed rate of utterances/s; publish → complete row (fused from both
 *       models, as committed in PostgreSQL) p50/p99/max.</li>
 *   <li>{@code soak [rate] [seconds]}: the fixed rate for a long time; heap, RSS and lag of every stage at the start
 *       and at the end, and latency in the first and the last minute.</li>
 * </ul>
 */
public final class PipelineBench {

    private record Sample(String name, byte[] audio, String transcript, int utterances) {}

    /** Consumer groups by stage, and the topics each reads. */
    private static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("emostream-ingest", List.of(Topics.RECORDINGS));
        GROUPS.put("emostream-inference-speech", List.of(Topics.UTTERANCES_AUDIO));
        GROUPS.put("emostream-inference-speech-speaker", List.of(Topics.UTTERANCES_AUDIO_SPEAKER));
        GROUPS.put("emostream-inference-text", List.of(Topics.UTTERANCES_TEXT));
        GROUPS.put("emostream-fusion", List.of(Topics.SCORES_SPEECH, Topics.SCORES_TEXT));
        GROUPS.put("emostream-reporting", List.of(Topics.EMOTIONS));
    }

    private static final List<String> SERVICES = List.of("ingest", "inference", "fusion", "reporting");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final LocalPlatform platform;
    private final KafkaProducer<String, byte[]> producer;
    private final Connection db;
    private final Admin admin;
    private final List<Sample> samples;

    private PipelineBench(LocalPlatform platform) throws Exception {
        this.platform = platform;
        Map<String, Object> pc = new HashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        pc.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L << 20);
        this.producer = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer());
        this.db = DriverManager.getConnection(platform.jdbcUrl(), "emostream", "emostream");
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
        Path dir = Stats.repo().resolve("samples");
        this.samples = List.of(
                sample(dir, "call-support.wav", "call-support.vtt", 3),
                sample(dir, "angry-refund.wav", "angry-refund.txt", 1),
                sample(dir, "sad-goodbye.wav", "sad-goodbye.txt", 1),
                sample(dir, "happy-news.wav", "happy-news.txt", 1));
    }

    private static Sample sample(Path dir, String audio, String transcript, int utterances) throws Exception {
        return new Sample(
                audio,
                Files.readAllBytes(dir.resolve(audio)),
                Files.readString(dir.resolve(transcript), StandardCharsets.UTF_8),
                utterances);
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "all";
        System.out.println("starting the platform (broker, PostgreSQL, four services) ...");
        try (LocalPlatform platform = LocalPlatform.start(Stats.repo(), "all", Map.of())) {
            PipelineBench b = new PipelineBench(platform);
            try {
                b.warmUp();
                switch (mode) {
                    case "throughput" -> b.throughput(intArg(args, 1, 1000));
                    case "latency" -> b.latencies(args.length > 1 ? args[1] : "10,50", intArg(args, 2, 60));
                    case "soak" -> b.soak(intArg(args, 1, 10), intArg(args, 2, 600));
                    case "profile" ->
                        b.profile(
                                intArg(args, 1, 60),
                                args.length > 2 ? args[2] : "ingest,inference,fusion,reporting,kafka");
                    case "all" -> {
                        b.throughput(intArg(args, 1, 1000));
                        b.latencies(args.length > 2 ? args[2] : "10,50", intArg(args, 3, 60));
                    }
                    default -> throw new IllegalArgumentException("mode: throughput | latency | soak | profile | all");
                }
            } finally {
                b.producer.close();
                b.db.close();
                b.admin.close();
            }
        }
    }

    private static int intArg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    // --- phases ---------------------------------------------------------------------------------------------------

    /**
     * Load at 15 utterances/s in 20-s rounds until the JIT compiler threads of all JVMs used less than
     * {@code EMOSTREAM_BENCH_WARM_JIT_PERCENT} (default 5) % of the platform's CPU in the last round, or for at most
     * {@code EMOSTREAM_BENCH_WARMUP_SECONDS} (default 300). Batch sizes and pools settle in the first round; the JIT
     * takes minutes on 2 cores (a platform's compilers used 0.57 of its 1.76 cores in the first minute after 20 s
     * of load, 0.27 of 1.27 averaged over the next four): measured cold, every stage's CPU per utterance is mostly
     * compilation, which a long-running service pays once.
     */
    private void warmUp() throws Exception {
        double maxJitPercent =
                Double.parseDouble(System.getenv().getOrDefault("EMOSTREAM_BENCH_WARM_JIT_PERCENT", "5"));
        int maxSeconds = Integer.parseInt(System.getenv().getOrDefault("EMOSTREAM_BENCH_WARMUP_SECONDS", "300"));
        String run = "warmup-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        long start = System.nanoTime();
        for (int round = 1; ; round++) {
            Map<String, ThreadCpu.Snapshot> t0 = threads();
            publishAtRate(run + round + "-", 15, 20, null);
            Map<String, ThreadCpu.Snapshot> t1 = threads();
            long jit = 0;
            long all = 0;
            for (String jvm : t0.keySet()) {
                jit += ThreadCpu.jitTicks(t0.get(jvm), t1.get(jvm));
                all += ThreadCpu.ticks(t0.get(jvm), t1.get(jvm));
            }
            double percent = 100.0 * jit / Math.max(1, all);
            long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf(
                    Locale.ROOT,
                    "warm-up round %d (300 utterances at 15/s): JIT compilers %.1f %% of the platform's CPU%n",
                    round,
                    percent);
            if (percent < maxJitPercent || elapsed >= maxSeconds) {
                return;
            }
        }
    }

    /** A thread snapshot of every JVM of the platform (the four services and the broker). */
    private Map<String, ThreadCpu.Snapshot> threads() throws Exception {
        Map<String, ThreadCpu.Snapshot> m = new LinkedHashMap<>();
        for (String service : SERVICES) {
            m.put(service, ThreadCpu.snapshot(platform.pid(service)));
        }
        m.put(
                "kafka",
                ThreadCpu.snapshot(RuntimeState.read(platform.settings().home())
                        .orElseThrow()
                        .kafkaPid()));
        return m;
    }

    private void throughput(int recordings) throws Exception {
        String run = "tp-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        // the idle cost of each stage (polling, heartbeats, punctuators, health checks), to separate it from the work
        Thread.sleep(5_000);
        Map<String, Double> idle0 = cpu();
        long idleStart = System.nanoTime();
        Thread.sleep(15_000);
        Map<String, Double> idle1 = cpu();
        double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
        Map<String, Double> cpu0 = cpu();
        Map<String, ThreadCpu.Snapshot> threads0 = threads();
        Map<String, Double> inf0 = inferenceMetrics();
        long t0 = System.currentTimeMillis();
        int utterances = 0;
        for (int i = 0; i < recordings; i++) {
            Sample s = samples.get(i % samples.size());
            send(run + i, s);
            utterances += s.utterances();
        }
        producer.flush();
        System.out.printf(
                "published %d recordings (%d utterances) in %d ms; waiting for every row ...%n",
                recordings, utterances, System.currentTimeMillis() - t0);
        Map<String, Long> peakLag = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (completeRows(run) < utterances) {
            lag().forEach((g, l) -> peakLag.merge(g, l, Math::max));
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + completeRows(run) + " of " + utterances + " rows after 30 min");
            }
            Thread.sleep(1000);
        }
        Map<String, Double> cpu1 = cpu();
        Map<String, ThreadCpu.Snapshot> threads1 = threads();
        Map<String, Double> inf1 = inferenceMetrics();
        double[] span = rowSpan(run);
        double seconds = (span[1] - t0) / 1000.0;
        Map<String, Object> f = Stats.figures();
        f.put("recordings", recordings);
        f.put("utterances", utterances);
        f.put("seconds_publish_to_last_row", seconds);
        f.put("utterances_per_s", utterances / seconds);
        f.put("utterances_per_s_first_to_last_row", (utterances - 1) / ((span[1] - span[0]) / 1000.0));
        double total = 0;
        String bottleneck = null;
        double worst = -1;
        for (String stage : cpu0.keySet()) {
            double perUtt = (cpu1.get(stage) - cpu0.get(stage)) / utterances;
            double idleCores = (idle1.get(stage) - idle0.get(stage)) / idleSeconds;
            total += perUtt;
            f.put("cpu_ms_per_utterance_" + stage, perUtt * 1000);
            f.put("idle_cpu_percent_" + stage, idleCores * 100);
            if (SERVICES.contains(stage) && perUtt > worst) {
                worst = perUtt;
                bottleneck = stage;
            }
        }
        f.put("cpu_ms_per_utterance_total", total * 1000);
        double jitTotal = 0;
        for (String jvm : threads0.keySet()) { // what of it the JIT compiler threads used (warm-up left over)
            double jit = ThreadCpu.jitTicks(threads0.get(jvm), threads1.get(jvm)) / 100.0 / utterances;
            jitTotal += jit;
            f.put("jit_cpu_ms_per_utterance_" + jvm, jit * 1000);
        }
        f.put("jit_cpu_ms_per_utterance_total", jitTotal * 1000);
        StringBuilder tables = new StringBuilder();
        for (String jvm : threads0.keySet()) {
            tables.append("== ").append(jvm).append('\n');
            tables.append(ThreadCpu.table(threads0.get(jvm), threads1.get(jvm), seconds, 15));
        }
        Path threadsFile = Stats.repo().resolve("bench").resolve("target").resolve("pipeline-threads.txt");
        Files.writeString(threadsFile, tables);
        System.out.println("CPU by thread of each JVM during the run: " + threadsFile);
        for (String m : List.of("speech", "text")) { // the models' share of the inference stage
            double n = inf1.get(m + "_utterances") - inf0.get(m + "_utterances");
            double batches = inf1.get(m + "_batches") - inf0.get(m + "_batches");
            f.put(
                    "forward_ms_per_utterance_" + m,
                    (inf1.get(m + "_forward_s") - inf0.get(m + "_forward_s")) * 1000 / n);
            f.put("mean_batch_" + m, n / batches);
        }
        f.put("cpu_utilisation_cores", total * utterances / seconds);
        peakLag.forEach((g, l) -> f.put("peak_lag_" + g.replace("emostream-", ""), l));
        f.put("bottleneck", bottleneck + " (" + Math.round(100 * worst / total) + " % of the pipeline's CPU)");
        f.put("cores", Runtime.getRuntime().availableProcessors());
        f.put("load_average", loadAverage());
        Stats.print("pipeline-throughput", f);
    }

    private void latencies(String rates, int seconds) throws Exception {
        for (String rate : rates.split(",")) {
            latency(Integer.parseInt(rate.trim()), seconds);
        }
    }

    private void latency(int rate, int seconds) throws Exception {
        String run = "lat-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        System.out.printf("latency: %d utterances/s for %d s%n", rate, seconds);
        Map<String, Long> published = new HashMap<>();
        int utterances = publishAtRate(run, rate, seconds, published);
        long publishedAt = System.currentTimeMillis();
        awaitRows(run, utterances);
        double drainSeconds = (System.currentTimeMillis() - publishedAt) / 1000.0;
        Stats lat = latencies(run, published, 0, Long.MAX_VALUE);
        Map<String, Object> f = Stats.figures();
        f.put("rate_utterances_per_s", rate);
        f.put("seconds", seconds);
        f.put("utterances", utterances);
        f.put("publish_to_row_p50_ms", lat.percentile(50));
        f.put("publish_to_row_p99_ms", lat.percentile(99));
        f.put("publish_to_row_max_ms", lat.percentile(100));
        f.put("drain_after_last_publish_s", drainSeconds); // ~ latency when sustainable; the backlog when not
        f.put("cores", Runtime.getRuntime().availableProcessors());
        f.put("load_average", loadAverage());
        Stats.print("pipeline-latency", f);
    }

    private void soak(int rate, int seconds) throws Exception {
        String run = "soak-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        System.out.printf("soak: %d utterances/s for %d s%n", rate, seconds);
        Map<String, Long> published = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Object> f = Stats.figures();
        long start = System.currentTimeMillis();
        Thread feeder = new Thread(
                () -> {
                    try {
                        publishAtRate(run, rate, seconds, published);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                },
                "feeder");
        feeder.start();
        Thread.sleep(30_000);
        snapshot("start", f);
        feeder.join();
        long feedEnd = System.currentTimeMillis();
        snapshot("end", f);
        int utterances = published.isEmpty() ? 0 : countUtterances(published);
        long completeAtEnd = completeRows(run);
        f.put("rate_utterances_per_s", rate);
        f.put("seconds", seconds);
        f.put("utterances_published", utterances);
        f.put("complete_rows_at_end", completeAtEnd);
        f.put("sustained_utterances_per_s", completeAtEnd * 1000.0 / (feedEnd - start));
        f.put("load_average", loadAverage());
        Stats.print("pipeline-soak", f);
        // above what the machine sustains the backlog at the end takes long to drain: the figures above are the
        // soak's; latencies wait for the drain, at most 10 min, and say how much of the last minute they cover
        f = Stats.figures();
        f.put("rate_utterances_per_s", rate);
        boolean drained = awaitRows(run, utterances, Duration.ofMinutes(10));
        Stats first = latencies(run, published, start, start + 60_000);
        Stats last = latencies(run, published, feedEnd - 60_000, feedEnd + 1);
        long lastMinutePublished = published.entrySet().stream()
                .filter(e -> e.getValue() >= feedEnd - 60_000)
                .mapToInt(e -> samples.get(
                                Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('-') + 1))
                                        % samples.size())
                        .utterances())
                .sum();
        f.put("drained_within_10_min", drained);
        f.put("drain_s", (System.currentTimeMillis() - feedEnd) / 1000.0);
        f.put("first_minute_p50_ms", first.percentile(50));
        f.put("first_minute_p99_ms", first.percentile(99));
        f.put("last_minute_p50_ms", last.percentile(50));
        f.put("last_minute_p99_ms", last.percentile(99));
        f.put(
                "last_minute_complete_percent",
                lastMinutePublished == 0 ? 100.0 : 100.0 * last.count() / lastMinutePublished);
        Stats.print("pipeline-soak-latency", f);
    }

    /**
     * Records each JVM (a service's first instance, or {@code kafka}: the broker) with JFR's {@code profile} settings
     * while recordings arrive at {@code EMOSTREAM_PROFILE_RATE} utterances/s (default 20, above what 2 cores sustain,
     * so every stage stays busy) for {@code seconds}; then writes bench/target/profile/&lt;jvm&gt;.jfr and its
     * top-frames table (&lt;jvm&gt;.txt, {@link JfrTopFrames}) and prints the tables. JFR is started and stopped with
     * jcmd, so start-up and warm-up stay out of the recording and no JVM options change.
     */
    private void profile(int seconds, String which) throws Exception {
        Path out = Stats.repo().resolve("bench").resolve("target").resolve("profile");
        Files.createDirectories(out);
        int rate = Integer.parseInt(System.getenv().getOrDefault("EMOSTREAM_PROFILE_RATE", "20"));
        // JFR's settings=profile retransforms JDK classes when it starts: the JIT then recompiles for a while, which
        // the thread table shows as compiler time; EMOSTREAM_PROFILE_JFR=false measures the threads alone
        boolean jfr = Boolean.parseBoolean(System.getenv().getOrDefault("EMOSTREAM_PROFILE_JFR", "true"));
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String jvm : which.split("[,\\s]+")) {
            pids.put(
                    jvm,
                    jvm.equals("kafka")
                            ? RuntimeState.read(platform.settings().home())
                                    .orElseThrow()
                                    .kafkaPid()
                            : platform.pid(jvm));
        }
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            Path file = out.resolve(e.getKey() + ".jfr");
            Files.deleteIfExists(file);
            if (!jfr) {
                continue;
            }
            jcmd(e.getValue(), "JFR.start", "name=emostream-profile", "settings=profile", "filename=" + file);
        }
        String load0 = loadAverage();
        Map<String, Double> cpu0 = cpu();
        Map<String, ThreadCpu.Snapshot> threads0 = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            threads0.put(e.getKey(), ThreadCpu.snapshot(e.getValue()));
        }
        long t0 = System.nanoTime();
        System.out.printf("profiling %s: %d utterances/s for %d s%n", pids.keySet(), rate, seconds);
        String run = "prof-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        int utterances = publishAtRate(run, rate, seconds, new HashMap<>());
        Map<String, Double> cpu1 = cpu();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        Map<String, String> threadTables = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            threadTables.put(
                    e.getKey(),
                    ThreadCpu.table(threads0.get(e.getKey()), ThreadCpu.snapshot(e.getValue()), elapsed, 15));
        }
        long complete = completeRows(run);
        for (long pid : pids.values()) {
            if (jfr) {
                jcmd(pid, "JFR.stop", "name=emostream-profile");
            }
        }
        Map<String, Object> f = Stats.figures();
        f.put("rate_utterances_per_s", rate);
        f.put("seconds", elapsed);
        f.put("utterances_published", utterances);
        f.put("complete_rows_at_end", complete);
        for (String stage : cpu0.keySet()) { // cores busy during the recording, to weigh each table
            f.put("cpu_cores_" + stage, (cpu1.get(stage) - cpu0.get(stage)) / elapsed);
        }
        lag().forEach((g, l) -> f.put(g.replace("emostream-", "lag_at_end_"), l));
        f.put("load_average_start", load0);
        f.put("load_average_end", loadAverage());
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            String title = String.format(
                    java.util.Locale.ROOT,
                    "%s (pid %d): %.0f s at %d utterances/s, %.2f cores busy, load average %s",
                    e.getKey(),
                    e.getValue(),
                    elapsed,
                    rate,
                    ((Number) f.get("cpu_cores_" + e.getKey())).doubleValue(),
                    f.get("load_average_end"));
            String table = (jfr ? JfrTopFrames.table(out.resolve(e.getKey() + ".jfr"), title) : "== " + title + "\n")
                    + threadTables.get(e.getKey());
            Files.writeString(out.resolve(e.getKey() + ".txt"), table);
            System.out.println();
            System.out.print(table);
        }
        Stats.print("pipeline-profile", f);
        System.out.println("recordings and tables in " + out + " (a .jfr opens in JDK Mission Control: flame graph)");
    }

    private static void jcmd(long pid, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + said);
        }
    }

    private int countUtterances(Map<String, Long> published) {
        int n = 0;
        for (String id : published.keySet()) {
            n += samples.get(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % samples.size())
                    .utterances();
        }
        return n;
    }

    private void snapshot(String when, Map<String, Object> f) throws Exception {
        for (String service : SERVICES) {
            f.put(service + "_heap_mb_" + when, heapMb(service));
            f.put(service + "_rss_mb_" + when, rssMb(platform.pid(service)));
        }
        RuntimeState s = RuntimeState.read(platform.settings().home()).orElseThrow();
        f.put("kafka_rss_mb_" + when, rssMb(s.kafkaPid()));
        lag().forEach((g, l) -> f.put(g.replace("emostream-", "lag_") + "_" + when, l));
    }

    // --- load -----------------------------------------------------------------------------------------------------

    /** Publishes recordings so that utterances arrive at {@code rate}/s; returns the number of utterances. */
    private int publishAtRate(String run, int rate, int seconds, Map<String, Long> published) throws Exception {
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        int utterances = 0;
        for (int i = 0; ; i++) {
            long due = start + utterances * periodNanos;
            if (due >= end) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Sample s = samples.get(i % samples.size());
            String id = run + i;
            if (published != null) {
                published.put(id, System.currentTimeMillis());
            }
            send(id, s);
            utterances += s.utterances();
        }
        producer.flush();
        if (published == null) {
            awaitRows(run, utterances);
        }
        return utterances;
    }

    private void send(String id, Sample s) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.RECORDINGS, id, s.audio());
        r.headers()
                .add(new RecordHeader(
                        RecordingHeaders.TRANSCRIPT, s.transcript().getBytes(StandardCharsets.UTF_8)));
        r.headers().add(new RecordHeader(RecordingHeaders.LANGUAGE, "en".getBytes(StandardCharsets.UTF_8)));
        producer.send(r, (md, e) -> {
            if (e != null) {
                System.err.println("publish failed: " + e);
            }
        });
    }

    // --- readings -------------------------------------------------------------------------------------------------

    private void awaitRows(String run, int utterances) throws Exception {
        if (!awaitRows(run, utterances, Duration.ofMinutes(30))) {
            throw new IllegalStateException("only " + completeRows(run) + " of " + utterances + " rows");
        }
    }

    /** Waits until {@code utterances} rows of the run are complete; false when {@code timeout} passed first. */
    private boolean awaitRows(String run, int utterances, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (completeRows(run) < utterances) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(500);
        }
        return true;
    }

    private long completeRows(String run) throws Exception {
        try (PreparedStatement s = db.prepareStatement(
                "SELECT count(*) FROM utterances WHERE recording_id LIKE ? AND modalities = 'BOTH'")) {
            s.setString(1, run + "%");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Epoch ms of the first and the last complete row. */
    private double[] rowSpan(String run) throws Exception {
        try (PreparedStatement s = db.prepareStatement("SELECT extract(epoch FROM min(updated_at)) * 1000, "
                + "extract(epoch FROM max(updated_at)) * 1000 FROM utterances WHERE recording_id LIKE ?")) {
            s.setString(1, run + "%");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new double[] {rs.getDouble(1), rs.getDouble(2)};
            }
        }
    }

    /** Publish → committed complete row, for recordings published in [from, to). */
    private Stats latencies(String run, Map<String, Long> published, long from, long to) throws Exception {
        Stats st = new Stats();
        try (PreparedStatement s = db.prepareStatement("SELECT recording_id, extract(epoch FROM updated_at) * 1000 "
                + "FROM utterances WHERE recording_id LIKE ? AND modalities = 'BOTH'")) {
            s.setString(1, run + "%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Long sent = published.get(rs.getString(1));
                    if (sent != null && sent >= from && sent < to) {
                        st.add(rs.getDouble(2) - sent);
                    }
                }
            }
        }
        return st;
    }

    /** CPU seconds so far of each stage: the service JVMs, the broker, PostgreSQL (with its backends). */
    private Map<String, Double> cpu() throws Exception {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String service : SERVICES) {
            m.put(service, ThreadCpu.cpuSeconds(platform.pid(service)));
        }
        RuntimeState s = RuntimeState.read(platform.settings().home()).orElseThrow();
        m.put("kafka", ThreadCpu.cpuSeconds(s.kafkaPid()));
        m.put("postgres", ThreadCpu.treeCpuSeconds(s.postgresPid()));
        return m;
    }

    /** Records not yet consumed (committed) by each stage's consumer group. */
    private Map<String, Long> lag() throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> g : GROUPS.entrySet()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(g.getKey())
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : g.getValue()) {
                for (int p = 0; p < Topics.DEFAULT_PARTITIONS; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            long lag = 0;
            for (var e :
                    admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += Math.max(0, e.getValue().offset() - (c == null ? 0 : c.offset()));
            }
            out.put(g.getKey(), lag);
        }
        return out;
    }

    /** Per modality: utterances scored, forward passes, seconds in forward passes (inference's Prometheus metrics). */
    private Map<String, Double> inferenceMetrics() throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(platform.url("inference") + "/q/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new HashMap<>();
        for (String modality : List.of("speech", "text")) {
            m.put(modality + "_utterances", 0.0);
            m.put(modality + "_batches", 0.0);
            m.put(modality + "_forward_s", 0.0);
        }
        for (String line : r.body().split("\n")) {
            String modality = line.contains("modality=\"speech\"")
                    ? "speech"
                    : line.contains("modality=\"text\"") ? "text" : null;
            if (modality == null || line.startsWith("#")) {
                continue;
            }
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("emostream_inference_utterances_total{")) {
                m.merge(modality + "_utterances", v, Double::sum);
            } else if (line.startsWith("emostream_inference_forward_seconds_count{")) {
                m.merge(modality + "_batches", v, Double::sum);
            } else if (line.startsWith("emostream_inference_forward_seconds_sum{")) {
                m.merge(modality + "_forward_s", v, Double::sum);
            }
        }
        return m;
    }

    private double heapMb(String service) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(platform.url(service) + "/q/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        double bytes = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return bytes / (1 << 20);
    }

    private static double rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }
}
