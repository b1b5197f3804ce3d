package io.emostream.e2e;

import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.runtime.LocalPlatform;
import io.emostream.runtime.RuntimeState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults under a running stream, on the platform as {@code ./emostream} runs it (a real KRaft broker, a real
 * PostgreSQL, the four packaged services as their own JVMs with the shipped models) and with its production settings
 * (no fault injection): SIGKILL of ingest and of fusion, the broker restarted, PostgreSQL restarted, and every service
 * scaled out to two instances and back in, as KEDA/HPA would.
 *
 * <p>Each test streams its own recordings (the samples in turn, with inline transcripts), injects its fault once
 * results flow and while recordings are still arriving, and then checks exactly-once end to end: every expected
 * utterance has exactly one row in PostgreSQL (counted, not assumed from the key), fused from both models, and every
 * hop (utterances, scores) holds exactly one committed record per utterance. One platform for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {

    /** Time between two recordings of a stream: a steady arrival rate, not a wait for anything. */
    private static final long PACE_MS = 400;

    private static final List<String> SERVICES = List.of("reporting", "fusion", "inference", "ingest");
    /** Where the measured figures go (docs/operations.md quotes them). */
    private static final Path FIGURES = Path.of("target", "fault-figures.txt");

    private record Input(String wav, String transcript, int utterances) {}

    /** The samples in turn: the support call has three WebVTT cues, the others one utterance each. */
    private static final List<Input> KINDS = List.of(
            new Input("call-support.wav", "call-support.vtt", 3),
            new Input("angry-refund.wav", "angry-refund.txt", 1),
            new Input("sad-goodbye.wav", "sad-goodbye.txt", 1),
            new Input("happy-news.wav", "happy-news.txt", 1));

    private static LocalPlatform platform;
    private static Pipeline pipeline;
    private static final Map<String, byte[]> SAMPLES = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        platform = LocalPlatform.start(Pipeline.REPO, "all", Map.of());
        pipeline = new Pipeline(platform);
        for (Input in : KINDS) {
            SAMPLES.put(in.wav(), Files.readAllBytes(Pipeline.SAMPLES.resolve(in.wav())));
            SAMPLES.put(in.transcript(), Files.readAllBytes(Pipeline.SAMPLES.resolve(in.transcript())));
        }
        Files.createDirectories(FIGURES.getParent());
        Files.writeString(FIGURES, "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
        if (platform != null) {
            Pipeline.closeLeavingNothing(platform);
        }
    }

    // --- the faults ---------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void killingIngestAndFusionMidStreamLosesAndDuplicatesNothing() throws Exception {
        long t0 = System.nanoTime();
        String run = run("kill");
        int n = 24;
        List<String> ids = new ArrayList<>();
        long ingestPid = -1;
        long fusionPid = -1;
        int killIngest = n / 3 + 3;
        int killFusion = 2 * n / 3 + 3;
        for (int i = 0; i < n; i++) {
            ids.add(publish(run, i));
            if (i == n / 3) {
                awaitFlowing(run, expectedUtterances(n));
            }
            // SIGKILL right after a burst of recordings, so it lands on work in flight: no shutdown hook, no drain,
            // open transactions and state
            if (i == killIngest) {
                ingestPid = platform.kill("ingest");
            }
            if (i == killFusion) {
                fusionPid = platform.kill("fusion");
            }
            boolean burst = (i >= killIngest - 3 && i < killIngest) || (i >= killFusion - 3 && i < killFusion);
            if (!burst) {
                Thread.sleep(PACE_MS);
            }
        }
        platform.awaitRestarted("ingest", ingestPid, Duration.ofMinutes(3));
        platform.awaitRestarted("fusion", fusionPid, Duration.ofMinutes(3));

        assertExactlyOnce(run, ids);
        assertThat(platform.pid("ingest")).isNotEqualTo(ingestPid);
        assertThat(platform.pid("fusion")).isNotEqualTo(fusionPid);
        took("killingIngestAndFusionMidStream", t0);
    }

    @Test
    @Order(2)
    void restartingTheBrokerMidStreamLosesAndDuplicatesNothing() throws Exception {
        long t0 = System.nanoTime();
        String run = run("broker");
        int n = 16;
        List<String> ids = new ArrayList<>();
        Map<String, Long> before = servicePids();
        Duration outage = null;
        for (int i = 0; i < n; i++) {
            ids.add(publish(run, i));
            if (i == n / 2) {
                awaitFlowing(run, expectedUtterances(n));
                long down = System.nanoTime();
                // SIGTERM (controlled shutdown), then the same ports and log directories
                platform.stopKafka();
                assertThat(RuntimeState.read(platform.settings().home())
                                .orElseThrow()
                                .kafkaPid())
                        .isZero();
                platform.startKafka();
                outage = Duration.ofNanos(System.nanoTime() - down);
            }
            Thread.sleep(PACE_MS);
        }
        assertExactlyOnce(run, ids);
        awaitAllReady(Duration.ofMinutes(3));
        figure("broker restart: broker down for " + millis(outage) + " ms (stop + start); service JVMs restarted "
                + "meanwhile: " + restarted(before));
        took("restartingTheBrokerMidStream", t0);
    }

    @Test
    @Order(3)
    void restartingPostgresMidStreamLosesAndDuplicatesNothing() throws Exception {
        long t0 = System.nanoTime();
        String run = run("postgres");
        int n = 16;
        List<String> ids = new ArrayList<>();
        Map<String, Long> before = servicePids();
        long down = 0;
        Duration outage = null;
        for (int i = 0; i < n; i++) {
            ids.add(publish(run, i));
            if (i == n / 4) {
                awaitFlowing(run, expectedUtterances(n));
                down = System.nanoTime();
                platform.stopPostgres();
            }
            if (i == n / 2) {
                // the results published since reached the sink, which failed to store them and keeps retrying
                awaitSinkFailures(Duration.ofMinutes(2));
                platform.startPostgres();
                outage = Duration.ofNanos(System.nanoTime() - down);
            }
            Thread.sleep(PACE_MS);
        }
        assertExactlyOnce(run, ids);
        awaitAllReady(Duration.ofMinutes(3));
        figure("PostgreSQL restart: down for " + millis(outage) + " ms (fast shutdown, then start on the same data);"
                + " service JVMs restarted meanwhile: " + restarted(before));
        took("restartingPostgresMidStream", t0);
    }

    /**
     * A second instance of every service joins while recordings stream in, then one of each leaves (SIGTERM), as an
     * autoscaler would: one service at a time, each step done once the service's consumer groups are stable again
     * with every instance holding partitions and everything published until then has a row. Measures what each step
     * costs.
     */
    @Test
    @Order(4)
    void scalingEveryServiceOutAndInMidStreamLosesAndDuplicatesNothing() throws Exception {
        long t0 = System.nanoTime();
        String run = run("scale");
        List<String> ids = new ArrayList<>();
        Map<String, Instant> published = new java.util.concurrent.ConcurrentHashMap<>();
        List<Step> steps = Collections.synchronizedList(new ArrayList<>());
        ExecutorService scaler = Executors.newSingleThreadExecutor();
        Future<?> scaling = null;
        Instant flowing = null;
        int tail = 0;
        try {
            for (int i = 0; ; i++) {
                String id = publish(run, i);
                ids.add(id);
                published.put(id, Instant.now());
                if (i == 6) {
                    awaitFlowing(run, Integer.MAX_VALUE);
                    flowing = Instant.now();
                    Instant steady = flowing.plusSeconds(10);
                    scaling = scaler.submit(() -> {
                        // a steady stretch first, to compare with
                        awaitCaughtUp(run, published, steady, Duration.ofMinutes(3));
                        for (int instances : List.of(2, 1)) {
                            for (String s : SERVICES) {
                                steps.add(scaleStep(run, published, s, instances));
                            }
                        }
                        return null;
                    });
                }
                if (scaling != null && scaling.isDone() && ++tail > 8) {
                    break; // a few recordings after the last one left
                }
                assertThat(i).as("scaling did not end").isLessThan(2000);
                Thread.sleep(PACE_MS);
            }
            scaling.get();
        } finally {
            scaler.shutdownNow();
        }
        assertExactlyOnce(run, ids);

        // what each step cost: the longest time no row landed and the slowest recording (published → first row)
        // from the step's start until rows flowed again, against the same before any scaling (the arrival rate
        // alone makes gaps of about PACE_MS; "steady" starts once the first row landed, after the services warmed up)
        Map<String, Instant> landed = pipeline.landedAt(run);
        Map<String, Instant> firstRowOfRecording = new HashMap<>();
        landed.forEach((u, at) ->
                firstRowOfRecording.merge(u.substring(0, u.lastIndexOf('#')), at, (a, b) -> a.isBefore(b) ? a : b));
        StringBuilder out = new StringBuilder("scaling mid-stream (" + ids.size() + " recordings, one every "
                + PACE_MS + " ms). scale = the scale command (new JVM ready / old one exited after SIGTERM); "
                + "rebalance = from then until every group of the service is Stable with each member holding "
                + "partitions; gap = longest time no row landed; latency = slowest recording published → its first "
                + "row (gap and latency from the step's start until every recording published before the group was "
                + "stable again has a row)\n");
        out.append(String.format(
                "  %-16s %9s %13s %8s %12s%n", "step", "scale ms", "rebalance ms", "gap ms", "latency ms"));
        out.append(String.format(
                "  %-16s %9s %13s %s",
                "steady (before)",
                "",
                "",
                phase(
                        landed,
                        published,
                        firstRowOfRecording,
                        flowing,
                        steps.get(0).start())));
        for (Step s : steps) {
            out.append(String.format(
                    "  %-16s %9d %13d %s",
                    s.what(),
                    Duration.between(s.start(), s.scaled()).toMillis(),
                    Duration.between(s.scaled(), s.balanced()).toMillis(),
                    phase(landed, published, firstRowOfRecording, s.start(), s.resumed())));
        }
        figure(out.toString());
        // what a scale-in must not cost: a SIGTERM'd instance hands its partitions over at once, so no group waits
        // out the leaver's session (session.timeout.ms = 10 s; Kafka Streams' dynamic members did, 9.3-10.0 s)
        for (Step s : steps) {
            if (s.what().endsWith("2→1")) {
                assertThat(Duration.between(s.scaled(), s.balanced()))
                        .as("%s: groups stable again after the SIGTERM", s.what())
                        .isLessThan(Duration.ofSeconds(5));
            }
        }
        took("scalingEveryServiceOutAndInMidStream", t0);
    }

    private record Step(String what, Instant start, Instant scaled, Instant balanced, Instant resumed) {}

    /** The consumer groups (Kafka Streams application ids included) each service's instances share. */
    private static final Map<String, List<String>> GROUPS = Map.of(
            "reporting",
            List.of("emostream-reporting"),
            "fusion",
            List.of("emostream-fusion"),
            "inference",
            List.of("emostream-inference-speech", "emostream-inference-speech-speaker", "emostream-inference-text"),
            "ingest",
            List.of("emostream-ingest"));

    private static Step scaleStep(String run, Map<String, Instant> published, String service, int instances)
            throws Exception {
        Instant start = Instant.now();
        platform.scale(service, instances);
        Instant scaled = Instant.now();
        assertThat(platform.pids(service)).as(service).hasSize(instances);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        for (String group : GROUPS.get(service)) {
            List<Integer> members = pipeline.stableAssignment(group);
            while (members.size() != instances || members.contains(0)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(group + " not balanced over " + instances + " instance(s): " + members);
                }
                Thread.sleep(100);
                members = pipeline.stableAssignment(group);
            }
        }
        Instant balanced = Instant.now();
        // the next step starts once everything published until now has a row: each step's delays are its own
        awaitCaughtUp(run, published, balanced, Duration.ofMinutes(3));
        return new Step(service + " " + (instances == 2 ? "1→2" : "2→1"), start, scaled, balanced, Instant.now());
    }

    // --- streaming and checking -----------------------------------------------------------------------------------

    private static String run(String fault) {
        return "fault-" + fault + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    /** Publishes recording {@code i} of a stream: the samples in turn, each with its transcript inline. */
    private static String publish(String run, int i) throws Exception {
        Input in = KINDS.get(i % KINDS.size());
        String id = run + i;
        pipeline.publishRecording(
                id,
                SAMPLES.get(in.wav()),
                Pipeline.inlineTranscript(new String(SAMPLES.get(in.transcript()), StandardCharsets.UTF_8).trim()));
        return id;
    }

    private static int expectedUtterances(int recordings) {
        int n = 0;
        for (int i = 0; i < recordings; i++) {
            n += KINDS.get(i % KINDS.size()).utterances();
        }
        return n;
    }

    /** Waits for the stream's first row, and checks the fault will land mid-stream (not after it). */
    private static void awaitFlowing(String run, int total) throws Exception {
        pipeline.awaitRows(run, Set.of(run + "0#0"), r -> true, Duration.ofMinutes(3));
        assertThat(pipeline.rows(run)).as("still mid-stream").hasSizeLessThan(total);
    }

    /**
     * Exactly once, end to end: every recording segmented; every expected utterance has exactly one row, fused from
     * both models; one committed record per utterance on each hop; one fused result (and at most one correction).
     */
    private static void assertExactlyOnce(String run, List<String> ids) throws Exception {
        Map<String, RecordingStatus> status = pipeline.awaitFinalStatus(new HashSet<>(ids), Duration.ofMinutes(4));
        Set<String> utterances = new HashSet<>();
        status.forEach((id, s) -> {
            assertThat(s.state()).as(id).isEqualTo(RecordingStatus.State.SEGMENTED);
            utterances.addAll(s.utteranceIds());
        });
        assertThat(utterances).hasSize(expectedUtterances(ids.size()));

        // nothing lost: every utterance ends as a row fused from both models
        pipeline.awaitRows(run, utterances, r -> r.modalities().equals("BOTH"), Duration.ofMinutes(5));
        // nothing duplicated: one row each, counted in PostgreSQL
        Map<String, Long> rows = pipeline.rowCounts(run);
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(utterances);
        assertThat(rows.entrySet().stream().filter(e -> e.getValue() != 1).toList())
                .as("utterances not in one row")
                .isEmpty();
        // nor on any hop, despite the killed transactions, restarts and rebalances: the utterance ids each hop carries
        // (audio: both audio topics; a named speaker's utterances are on the speaker-grouped one)
        Map<String, List<String>> hops = new LinkedHashMap<>();
        hops.put("audio", pipeline.audioUtterances(k -> k.startsWith(run)));
        for (String topic : List.of(Topics.UTTERANCES_TEXT, Topics.SCORES_SPEECH, Topics.SCORES_TEXT)) {
            hops.put(
                    topic,
                    pipeline.readAll(topic, k -> k.startsWith(run)).stream()
                            .map(ConsumerRecord::key)
                            .toList());
        }
        hops.forEach((hop, carried) -> {
            Map<String, Long> counts = carried.stream().collect(Collectors.groupingBy(k -> k, Collectors.counting()));
            assertThat(counts.keySet()).as(hop).containsExactlyInAnyOrderElementsOf(utterances);
            assertThat(counts.entrySet().stream().filter(e -> e.getValue() != 1).toList())
                    .as(hop + " duplicates")
                    .isEmpty();
        });
        Map<String, List<FusedEmotion>> fused = pipeline.fused(k -> k.startsWith(run)).stream()
                .collect(Collectors.groupingBy(FusedEmotion::utteranceId));
        assertThat(fused.keySet()).containsExactlyInAnyOrderElementsOf(utterances);
        fused.forEach((id, list) -> {
            assertThat(list.stream().filter(f -> !f.correction()).count())
                    .as(id)
                    .isEqualTo(1);
            assertThat(list.stream().filter(FusedEmotion::correction).count())
                    .as(id)
                    .isLessThanOrEqualTo(1);
        });
    }

    /** Until reporting's sink says it failed to write (its liveness data), i.e. it met the database outage. */
    private static void awaitSinkFailures(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            var health = pipeline.health("reporting", "/q/health/live");
            if (health != null) {
                for (var check : health.path("checks")) {
                    if (check.path("name").asText().equals("Reporting sink")
                            && check.path("data").path("consecutiveFailures").asLong() > 0) {
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("reporting's sink reported no failed write within " + timeout
                        + " of PostgreSQL going down: " + health);
            }
            Thread.sleep(250);
        }
    }

    /** Until a recording published after {@code upTo} exists and every one published until then has a row. */
    private static void awaitCaughtUp(String run, Map<String, Instant> published, Instant upTo, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Instant> snapshot = new HashMap<>(published);
            Set<String> withRow = pipeline.landedAt(run).keySet().stream()
                    .map(u -> u.substring(0, u.lastIndexOf('#')))
                    .collect(Collectors.toSet());
            List<String> waiting = snapshot.entrySet().stream()
                    .filter(e -> !e.getValue().isAfter(upTo))
                    .map(Map.Entry::getKey)
                    .filter(id -> !withRow.contains(id))
                    .toList();
            if (waiting.isEmpty() && snapshot.values().stream().anyMatch(t -> t.isAfter(upTo))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("recordings published until " + upTo + " still without a row after " + timeout
                        + ": " + waiting);
            }
            Thread.sleep(250);
        }
    }

    private static void awaitAllReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String s : SERVICES) {
            while (pipeline.health(s, "/q/health/ready") == null
                    || !"UP"
                            .equals(pipeline.health(s, "/q/health/ready")
                                    .path("status")
                                    .asText())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            s + " not ready within " + timeout + ": " + pipeline.health(s, "/q/health/ready"));
                }
                Thread.sleep(250);
            }
        }
    }

    private static Map<String, Long> servicePids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        SERVICES.forEach(s -> pids.put(s, platform.pid(s)));
        return pids;
    }

    private static List<String> restarted(Map<String, Long> before) {
        return before.entrySet().stream()
                .filter(e -> platform.pid(e.getKey()) != e.getValue())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Longest gap between consecutive rows landing in the window, slowest recording published in it. */
    private static String phase(
            Map<String, Instant> landed,
            Map<String, Instant> published,
            Map<String, Instant> firstRowOfRecording,
            Instant from,
            Instant to) {
        List<Instant> times = landed.values().stream()
                .filter(t -> !t.isBefore(from) && t.isBefore(to))
                .sorted()
                .toList();
        long gap = 0;
        for (int k = 1; k < times.size(); k++) {
            gap = Math.max(gap, Duration.between(times.get(k - 1), times.get(k)).toMillis());
        }
        long latency = published.entrySet().stream()
                .filter(e -> !e.getValue().isBefore(from) && e.getValue().isBefore(to))
                .mapToLong(e -> Duration.between(e.getValue(), firstRowOfRecording.get(e.getKey()))
                        .toMillis())
                .max()
                .orElse(-1);
        return String.format("%8d %12d%n", gap, latency);
    }

    private static long millis(Duration d) {
        return d == null ? -1 : d.toMillis();
    }

    private static void took(String test, long t0) throws Exception {
        figure(test + " took " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");
    }

    private static void figure(String line) throws Exception {
        System.out.println("[faults] " + line);
        Files.writeString(FIGURES, line + (line.endsWith("\n") ? "" : "\n"), StandardOpenOption.APPEND);
    }
}
