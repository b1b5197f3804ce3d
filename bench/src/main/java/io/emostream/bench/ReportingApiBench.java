package io.emostream.bench;

import io.emostream.runtime.LocalPlatform;
import io.emostream.runtime.RuntimeState;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Reporting API latency over a realistic data set: seeds 1 M utterance rows (bench/reporting-seed.sql) into the
 * real PostgreSQL behind the real reporting-service JVM, then drives a fixed request rate (open loop: each request
 * is sent at its scheduled time whatever the previous ones did, and its latency counts from that time, so a
 * slow server cannot hide its queueing) with a mix of every endpoint and filter.
 *
 * <pre>bench/reporting-api.sh [rate/s, default 200] [seconds, default 60] [recordings, default 50000 = 1 M rows]</pre>
 */
public final class ReportingApiBench {

    private static final String[] LABELS = {"neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"};

    public static void main(String[] args) throws Exception {
        List<Integer> rates = java.util.Arrays.stream((args.length > 0 ? args[0] : "200").split(","))
                .map(Integer::parseInt)
                .toList();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int recordings = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        // EMOSTREAM_BENCH_JDBC_URL: use the platform already running (./emostream up: service on :8080, its key in
        // EMOSTREAM_REPORTING_API_KEYS), seeding only if needed; otherwise a throw-away platform of its own
        String existing = System.getenv("EMOSTREAM_BENCH_JDBC_URL");
        LocalPlatform platform = existing == null ? LocalPlatform.start(Stats.repo(), "reporting", Map.of()) : null;
        String service = platform != null ? platform.url("reporting") : "http://localhost:8080";
        String key = platform != null
                ? platform.apiKey()
                : System.getenv()
                        .getOrDefault("EMOSTREAM_REPORTING_API_KEYS", "")
                        .split(",")[0]
                        .trim();
        if (key.isEmpty()) {
            throw new IllegalStateException("with EMOSTREAM_BENCH_JDBC_URL set EMOSTREAM_REPORTING_API_KEYS too");
        }
        try {
            String jdbcUrl = existing != null ? existing : platform.jdbcUrl();
            long pid = platform != null ? platform.pid("reporting") : -1;
            Seeded seeded = seed(jdbcUrl, recordings);
            Mix mix = new Mix(recordings, seeded.from(), seeded.to());
            // the service's hot paths need C2-compiled code before a figure means anything: 20 s at full rate left
            // the JIT competing with the load for the two cores (p99 0.5-2 s, service 3.4-5 ms CPU per request
            // instead of 1.4), so warm up ramping to the first rate for 90 s
            int first = rates.get(0);
            for (int step = 1; step <= 3; step++) {
                int warmRate = Math.max(1, first * step / 3);
                System.out.printf("warming up: 30 s at %d req/s%n", warmRate);
                Result w = run(mix, service, key, warmRate, 30, new Random(step));
                System.out.printf(
                        "  p50 %.1f ms, p99 %.1f ms, errors %d%n",
                        w.all.percentile(50), w.all.percentile(99), w.errors.get());
            }
            for (int rate : rates) {
                System.out.printf("measuring: %d s at %d req/s%n", seconds, rate);
                double cpu0 = pid > 0 ? ThreadCpu.cpuSeconds(pid) : 0;
                double pg0 = platform != null ? postgresCpuSeconds(platform) : 0;
                double self0 = ThreadCpu.cpuSeconds(ProcessHandle.current().pid());
                long[] machine0 = machineTicks();
                Result r = run(mix, service, key, rate, seconds, new Random(rate));
                long[] machine1 = machineTicks();
                double self1 = ThreadCpu.cpuSeconds(ProcessHandle.current().pid());
                double pg1 = platform != null ? postgresCpuSeconds(platform) : 0;
                double cpu1 = pid > 0 ? ThreadCpu.cpuSeconds(pid) : 0;
                Map<String, Object> figures = Stats.figures();
                figures.put("utterance_rows", seeded.rows());
                figures.put("seed_s", seeded.seconds());
                figures.put("target_rate", rate);
                figures.put("achieved_rate", r.sent / r.seconds);
                figures.put("requests", r.sent);
                figures.put("errors", r.errors.get());
                figures.put("p50_ms", r.all.percentile(50));
                figures.put("p99_ms", r.all.percentile(99));
                figures.put("max_ms", r.all.percentile(100));
                if (pid > 0) {
                    figures.put("service_cpu_ms_per_request", (cpu1 - cpu0) * 1000 / r.sent);
                    figures.put("postgres_cpu_ms_per_request", (pg1 - pg0) * 1000 / r.sent);
                }
                // the load generator shares the machine: its own CPU and how busy the whole machine was tell
                // whether a tail comes from the service or from CPUs that had nothing left to give
                figures.put("load_generator_cpu_ms_per_request", (self1 - self0) * 1000 / r.sent);
                figures.put(
                        "machine_cpu_busy_percent",
                        100.0 * (machine1[0] - machine0[0]) / Math.max(1, machine1[1] - machine0[1]));
                for (Map.Entry<String, Stats> e : new TreeMap<>(r.byKind).entrySet()) {
                    figures.put(e.getKey() + "_p50_ms", e.getValue().percentile(50));
                    figures.put(e.getKey() + "_p99_ms", e.getValue().percentile(99));
                }
                Stats.print("reporting-api", figures);
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }

    /** CPU seconds so far of PostgreSQL: the postmaster and its live backends. */
    private static double postgresCpuSeconds(LocalPlatform platform) throws Exception {
        return ThreadCpu.treeCpuSeconds(
                RuntimeState.read(platform.settings().home()).orElseThrow().postgresPid());
    }

    /** {busy, total} clock ticks of all CPUs since boot, from /proc/stat. */
    private static long[] machineTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    private record Seeded(long rows, Instant from, Instant to, double seconds) {}

    /** Runs bench/reporting-seed.sql unless the database already holds that many seeded rows. */
    private static Seeded seed(String jdbcUrl, int recordings) throws Exception {
        long start = System.nanoTime();
        try (Connection db = DriverManager.getConnection(jdbcUrl, "emostream", "emostream");
                Statement s = db.createStatement()) {
            long have;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM recordings WHERE recording_id LIKE 'seed-%'")) {
                rs.next();
                have = rs.getLong(1);
            }
            if (have != recordings) {
                s.execute("DELETE FROM utterances WHERE recording_id LIKE 'seed-%'");
                s.execute("DELETE FROM emotion_hourly WHERE recording_id LIKE 'seed-%'");
                s.execute("DELETE FROM recordings WHERE recording_id LIKE 'seed-%'");
                s.execute("SET emostream.seed_recordings = " + recordings);
                s.execute(Files.readString(
                        Path.of(System.getenv().getOrDefault("EMOSTREAM_REPO", "."), "bench/reporting-seed.sql")));
                s.execute("VACUUM ANALYZE utterances");
                s.execute("VACUUM ANALYZE recordings");
                s.execute("VACUUM ANALYZE emotion_hourly");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*), min(event_time), max(event_time) FROM utterances "
                    + "WHERE recording_id LIKE 'seed-%'")) {
                rs.next();
                Seeded seeded = new Seeded(
                        rs.getLong(1),
                        rs.getTimestamp(2).toInstant(),
                        rs.getTimestamp(3).toInstant(),
                        have == recordings ? 0 : (System.nanoTime() - start) / 1e9);
                System.out.printf(
                        "%s %,d utterance rows (%s .. %s)%n",
                        have == recordings ? "reusing" : "seeded", seeded.rows(), seeded.from(), seeded.to());
                return seeded;
            }
        }
    }

    private record Result(Stats all, Map<String, Stats> byKind, AtomicInteger errors, int sent, double seconds) {}

    /** Sends {@code rate} requests per second for {@code seconds}, each at its scheduled time. */
    private static Result run(Mix mix, String service, String key, int rate, int seconds, Random random)
            throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(4);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(executor)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Stats all = new Stats();
        Map<String, Stats> byKind = new ConcurrentHashMap<>();
        AtomicInteger errors = new AtomicInteger();
        int total = rate * seconds;
        CountDownLatch done = new CountDownLatch(total);
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * periodNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Mix.Request req = mix.next(random);
            HttpRequest request = HttpRequest.newBuilder(URI.create(service + req.path()))
                    .header("X-API-Key", key)
                    .timeout(Duration.ofSeconds(30))
                    .build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
                double ms = (System.nanoTime() - due) / 1e6;
                if (error != null || response.statusCode() != 200) {
                    if (errors.incrementAndGet() <= 5) {
                        System.out.println("error on " + req.path() + ": "
                                + (error != null
                                        ? error
                                        : response.statusCode() + " "
                                                + new String(response.body(), StandardCharsets.UTF_8)));
                    }
                } else {
                    all.add(ms);
                    byKind.computeIfAbsent(req.kind(), k -> new Stats()).add(ms);
                }
                done.countDown();
            });
        }
        double sentSeconds = (System.nanoTime() - start) / 1e9;
        done.await(60, TimeUnit.SECONDS);
        executor.shutdownNow();
        return new Result(all, byKind, errors, total, sentSeconds);
    }

    /** The request mix: what a dashboard, a drill-down UI and an analyst's scripts ask for. */
    private static final class Mix {
        record Request(String kind, String path) {}

        private final int recordings;
        private final Instant from;
        private final long spanSeconds;

        Mix(int recordings, Instant from, Instant to) {
            this.recordings = recordings;
            this.from = from;
            this.spanSeconds = Math.max(1, Duration.between(from, to).toSeconds());
        }

        Request next(Random r) {
            int pick = r.nextInt(100);
            String rec = "seed-" + (1 + r.nextInt(recordings));
            String agent = "agent-" + r.nextInt(200);
            String label = LABELS[r.nextInt(LABELS.length)];
            Instant t = from.plusSeconds((long) (r.nextDouble() * spanSeconds)).truncatedTo(ChronoUnit.SECONDS);
            if (pick < 20) {
                return new Request("utterances_by_recording", "/utterances?recording=" + rec + "&order=asc");
            } else if (pick < 35) {
                return new Request("recording_detail", "/recordings/" + rec);
            } else if (pick < 50) {
                String filter = switch (r.nextInt(4)) {
                    case 0 -> "";
                    case 1 -> "&emotion=" + label;
                    case 2 -> "&speaker=" + agent;
                    default -> "&from=" + t + "&to=" + t.plus(1, ChronoUnit.DAYS);
                };
                return new Request("recordings_list", "/recordings?limit=50" + filter);
            } else if (pick < 65) {
                String filter = switch (r.nextInt(3)) {
                    case 0 -> "";
                    case 1 -> "&label=" + label;
                    default -> "&minConfidence=0.6";
                };
                return new Request("utterances_by_speaker", "/utterances?speaker=" + agent + "&limit=50" + filter);
            } else if (pick < 75) {
                return new Request(
                        "utterances_by_time_label",
                        "/utterances?from=" + t + "&to=" + t.plus(1, ChronoUnit.HOURS) + "&label=" + label
                                + "&limit=100");
            } else if (pick < 80) {
                return new Request("utterance", "/utterances/" + rec + "%23" + r.nextInt(20));
            } else if (pick < 90) {
                return new Request(
                        "stats_by_hour_6h",
                        "/stats/emotions?groupBy=hour&from=" + t + "&to=" + t.plus(6, ChronoUnit.HOURS));
            } else if (pick < 95) {
                return new Request("stats_agent_by_day_30d", "/stats/emotions?groupBy=day&speaker=" + agent);
            } else {
                return new Request("stats_recording_by_speaker", "/stats/emotions?groupBy=speaker&recording=" + rec);
            }
        }
    }

    private ReportingApiBench() {}
}
