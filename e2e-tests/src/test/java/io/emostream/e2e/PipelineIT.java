package io.emostream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Json;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.ModelRef;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.ScoreFusion;
import io.emostream.contracts.Topics;
import io.emostream.runtime.LocalPlatform;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main job, end to end, on the platform exactly as {@code ./emostream} runs it: the packaged local runtime
 * starts a real KRaft broker, a real PostgreSQL and the four packaged services as their own JVMs with the shipped
 * models. Recordings are the project's own samples (samples/, generated with espeak-ng).
 *
 * <p>One platform for all tests (starting it costs a minute or two); each test works on its own recording ids. The
 * services run with the consumer guard's test-only fault injection on ({@link #HALT_KEY}: processing a record whose
 * key contains it halts the JVM) and 2 attempts before a quarantine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {

    /** Records whose key contains this kill the service JVM that processes them (Runtime.halt). */
    static final String HALT_KEY = "fault-halt";

    private static LocalPlatform platform;
    private static Pipeline pipeline;
    private static Map<String, String> models;
    /** The shipped text model's name (models/ter-default), so a new TER needs no test change. */
    private static String textModel;

    @BeforeAll
    static void start() throws Exception {
        platform = LocalPlatform.start(
                Pipeline.REPO,
                "all",
                Map.of("EMOSTREAM_GUARD_FAULT_HALT_ON_KEY", HALT_KEY, "EMOSTREAM_GUARD_MAX_ATTEMPTS", "2"));
        pipeline = new Pipeline(platform);
        models = new LinkedHashMap<>();
        for (String dir : List.of("ser-default", "ter-default")) {
            JsonNode m = Json.MAPPER.readTree(Pipeline.REPO
                    .resolve("models")
                    .resolve(dir)
                    .resolve("manifest.json")
                    .toFile());
            models.put(m.path("name").asText(), m.path("version").asText());
            if (dir.equals("ter-default")) {
                textModel = m.path("name").asText();
            }
        }
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

    private static byte[] sample(String name) throws Exception {
        return Files.readAllBytes(Pipeline.SAMPLES.resolve(name));
    }

    private static String sampleText(String name) throws Exception {
        return Files.readString(Pipeline.SAMPLES.resolve(name), StandardCharsets.UTF_8)
                .trim();
    }

    private static String run() {
        return "e2e-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    @Test
    @Order(1)
    void everyGoodUtteranceBecomesOneFusedRowAndTheCorruptRecordingIsDeadLettered() throws Exception {
        String run = run();
        String call = run + "call",
                angry = run + "angry",
                sad = run + "sad",
                happy = run + "happy",
                voicemail = run + "voicemail",
                corrupt = run + "corrupt";
        byte[] truncated = Arrays.copyOf(sample("angry-refund.wav"), sample("angry-refund.wav").length / 2);

        // every way in: inline WebVTT; transcript before its recording; recording before its transcript (it waits);
        // REST upload waiting for a transcript on the topic; speech only; and a truncated WAV
        // two recordings come with a trace of their producer (a Kafka header, an HTTP header): it must reach the rows
        String callTrace = "4bf92f3577b34da6a3ce929d0e0e4736", uploadTrace = "0af7651916cd43dd8448eb211c80319c";
        Map<String, String> callHeaders = new HashMap<>(Pipeline.inlineTranscript(sampleText("call-support.vtt")));
        callHeaders.put(KafkaTracing.TRACEPARENT, "00-" + callTrace + "-00f067aa0ba902b7-01");
        pipeline.publishRecording(call, sample("call-support.wav"), callHeaders);
        pipeline.publishTranscript(angry, sampleText("angry-refund.txt"));
        pipeline.publishRecording(angry, sample("angry-refund.wav"), Map.of());
        pipeline.publishRecording(sad, sample("sad-goodbye.wav"), Map.of());
        HttpResponse<String> upload = pipeline.upload(
                happy,
                sample("happy-news.wav"),
                "audio/wav",
                true,
                Map.of(KafkaTracing.TRACEPARENT, "00-" + uploadTrace + "-b7ad6b7169203331-01"));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(202);
        pipeline.publishRecording(voicemail, sample("voicemail.mp3"), Pipeline.noTranscript());
        pipeline.publishRecording(corrupt, truncated, Map.of());
        Thread.sleep(1000);
        pipeline.publishTranscript(sad, sampleText("sad-goodbye.txt"));
        pipeline.publishTranscript(happy, sampleText("happy-news.txt"));

        Set<String> good = Set.of(call, angry, sad, happy, voicemail);
        Map<String, RecordingStatus> status = pipeline.awaitFinalStatus(
                new HashSet<>(List.of(call, angry, sad, happy, voicemail, corrupt)), Duration.ofMinutes(3));
        good.forEach(id -> assertThat(status.get(id).state()).as(id).isEqualTo(RecordingStatus.State.SEGMENTED));
        assertThat(status.get(call).utteranceIds()).hasSize(3); // one per cue
        assertThat(status.get(corrupt).state()).isEqualTo(RecordingStatus.State.FAILED);
        assertThat(status.get(corrupt).reason().name()).isEqualTo("AUDIO_CORRUPT");

        Set<String> withText = good.stream()
                .filter(id -> !id.equals(voicemail))
                .flatMap(id -> status.get(id).utteranceIds().stream())
                .collect(Collectors.toSet());
        Set<String> speechOnly = new HashSet<>(status.get(voicemail).utteranceIds());
        assertThat(speechOnly).isNotEmpty();
        Set<String> all = new HashSet<>(withText);
        all.addAll(speechOnly);

        Map<String, Pipeline.Row> rows = pipeline.awaitRows(
                run,
                all,
                r -> speechOnly.contains(r.utteranceId())
                        ? r.modalities().equals("SPEECH_ONLY")
                        : r.modalities().equals("BOTH"),
                Duration.ofMinutes(4));

        // exactly one row per good utterance, nothing for the corrupt recording
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(all);
        for (Pipeline.Row r : rows.values()) {
            assertThat(r.probabilitySum())
                    .as(r.utteranceId())
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(r.confidence()).isBetween(0.0, 1.0);
            assertThat(r.speechModel()).isEqualTo("ser-stats-multicorpus");
            assertThat(r.speechModelVersion()).isEqualTo(models.get(r.speechModel()));
            assertThat(r.speechLabel()).isNotNull();
            if (withText.contains(r.utteranceId())) {
                assertThat(r.textModel()).isEqualTo(textModel);
                assertThat(r.textModelVersion()).isEqualTo(models.get(r.textModel()));
                assertThat(r.textLabel()).isNotNull();
                assertThat(r.transcript()).isNotBlank();
            } else {
                assertThat(r.textModel()).isNull();
                assertThat(r.transcript()).isNull();
            }
        }
        assertThat(rows.get(call + "#1").transcript())
                .isEqualTo("My parcel never arrived and nobody answers my emails. I am really fed up.");
        // the text model reads the words: a tearful goodbye is sad
        assertThat(rows.get(status.get(sad).utteranceIds().get(0)).textLabel()).isEqualTo("sad");

        // one trace per recording, from ingest to the row: the producer's, the REST caller's, or one ingest started
        rows.values().stream()
                .filter(r -> r.recordingId().equals(call))
                .forEach(r -> assertThat(r.traceId()).as(r.utteranceId()).isEqualTo(callTrace));
        rows.values().stream()
                .filter(r -> r.recordingId().equals(happy))
                .forEach(r -> assertThat(r.traceId()).as(r.utteranceId()).isEqualTo(uploadTrace));
        Map<String, Set<String>> tracesByRecording = rows.values().stream()
                .collect(Collectors.groupingBy(
                        Pipeline.Row::recordingId, Collectors.mapping(Pipeline.Row::traceId, Collectors.toSet())));
        tracesByRecording.forEach(
                (id, traces) -> assertThat(traces).as(id).hasSize(1).doesNotContainNull());
        assertThat(tracesByRecording.values().stream()
                        .flatMap(Set::stream)
                        .distinct()
                        .count())
                .isEqualTo(good.size());
        // every hop carries it in its Kafka headers, each from a span of its own
        String utterance = call + "#1";
        List<String> hops = new ArrayList<>();
        for (String topic : List.of(
                Topics.UTTERANCES_AUDIO_SPEAKER, // the call names its speakers: its audio is grouped by speaker
                Topics.UTTERANCES_TEXT,
                Topics.SCORES_SPEECH,
                Topics.SCORES_TEXT,
                Topics.EMOTIONS)) {
            List<ConsumerRecord<String, byte[]>> records = topic.equals(Topics.UTTERANCES_AUDIO_SPEAKER)
                    ? pipeline.audioRecords(utterance::equals)
                    : pipeline.readAll(topic, utterance::equals);
            assertThat(records).as(topic).isNotEmpty();
            String tp = new String(
                    records.get(0)
                            .headers()
                            .lastHeader(KafkaTracing.TRACEPARENT)
                            .value(),
                    StandardCharsets.UTF_8);
            assertThat(tp).as(topic).startsWith("00-" + callTrace + "-");
            hops.add(tp.substring(36, 52));
        }
        // audio and text leave ingest from the same span; scoring, fusing each add their own
        assertThat(hops.get(0)).isEqualTo(hops.get(1));
        assertThat(Set.copyOf(hops)).hasSize(4).doesNotContain("00f067aa0ba902b7");

        // the corrupt recording: dead-lettered whole, with its reason, and nothing downstream
        List<ConsumerRecord<String, byte[]>> dead = pipeline.readAll(Topics.DEADLETTER, corrupt::equals);
        assertThat(dead).hasSize(1);
        DeadLetter letter = DeadLetter.fromHeaders(dead.get(0).headers());
        assertThat(letter.reason().name()).isEqualTo("AUDIO_CORRUPT");
        assertThat(letter.sourceTopic()).isEqualTo(Topics.RECORDINGS);
        assertThat(dead.get(0).value()).isEqualTo(truncated);
        assertThat(pipeline.audioRecords(k -> k.startsWith(corrupt + "#"))).isEmpty();

        // the REST API serves the same results, in order, with each model's drill-down; and only with a key
        JsonNode page = pipeline.reportingJson("/utterances?order=asc&limit=500&recording=" + Pipeline.encode(call));
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(u -> ids.add(u.path("utteranceId").asText()));
        assertThat(ids).containsExactly(call + "#0", call + "#1", call + "#2");
        JsonNode first = page.path("items").get(0);
        assertThat(first.path("speaker").asText()).isEqualTo("Agent");
        assertThat(first.path("label").asText()).isEqualTo(rows.get(call + "#0").label());
        assertThat(first.path("speech").path("modelVersion").asText()).isEqualTo(models.get("ser-stats-multicorpus"));
        assertThat(first.path("text").path("model").asText()).isEqualTo(textModel);
        assertThat(first.path("traceId").asText()).isEqualTo(callTrace);
        JsonNode failed = pipeline.reportingJson("/recordings/" + Pipeline.encode(corrupt));
        assertThat(failed.path("recording").path("state").asText()).isEqualTo("FAILED");
        assertThat(failed.path("recording").path("failureReason").asText()).isEqualTo("AUDIO_CORRUPT");
        assertThat(pipeline.reporting("/utterances?recording=" + Pipeline.encode(call), false)
                        .statusCode())
                .isEqualTo(401);

        // a speech-only re-score (a new speech model version) through fusion and reporting: the row's speech side
        // and fused result change, its text side stays
        String rescored = call + "#1";
        Pipeline.Row before = rows.get(rescored);
        EmotionScore speech = EventSerdes.EMOTION_SCORE.deserialize(
                Topics.SCORES_SPEECH,
                pipeline.readAll(Topics.SCORES_SPEECH, rescored::equals).get(0).value());
        EmotionScore text = EventSerdes.EMOTION_SCORE.deserialize(
                Topics.SCORES_TEXT,
                pipeline.readAll(Topics.SCORES_TEXT, rescored::equals).get(0).value());
        Emotion other = Emotion.ALL.stream()
                .filter(e -> !e.label().equals(before.speechLabel()))
                .findFirst()
                .orElseThrow();
        Distribution p = Distribution.certain(other);
        String version = speech.model().version() + "-rescored";
        EmotionScore speech2 = new EmotionScore(
                speech.schemaVersion(),
                speech.utteranceId(),
                speech.recordingId(),
                speech.index(),
                speech.modality(),
                speech.startMs(),
                speech.endMs(),
                speech.speaker(),
                speech.hasTranscript(),
                speech.text(),
                new ModelRef(speech.model().name(), version),
                p,
                p.label(),
                p.confidence(),
                speech.timing(),
                speech.ingestedAt(),
                java.time.Instant.now(),
                speech.dimensions());
        pipeline.publishRaw(
                Topics.SCORES_SPEECH, rescored, EventSerdes.EMOTION_SCORE.serialize(Topics.SCORES_SPEECH, speech2));
        Pipeline.Row after = pipeline.awaitRows(
                        run, Set.of(rescored), r -> version.equals(r.speechModelVersion()), Duration.ofMinutes(1))
                .get(rescored);
        Distribution expected =
                ScoreFusion.defaults().combine(p, text.probabilities()).probabilities();
        assertThat(after.speechLabel()).isEqualTo(other.label());
        assertThat(after.modalities()).isEqualTo("BOTH");
        assertThat(after.label()).isEqualTo(expected.label().label());
        assertThat(after.confidence()).isCloseTo(expected.confidence(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(after.textModelVersion()).isEqualTo(before.textModelVersion());
        assertThat(after.textLabel()).isEqualTo(before.textLabel());
        assertThat(after.transcript()).isEqualTo(before.transcript());
    }

    @Test
    @Order(2)
    void garbageAtEveryStageIsDeadLetteredWithItsBytesAndThePipelineGoesOn() throws Exception {
        String run = run();
        String notAudio = run + "not-audio";
        Map<String, byte[]> garbage = new LinkedHashMap<>(); // topic -> bytes, each under its own key
        garbage.put(Topics.UTTERANCES_TEXT, "this is not an utterance".getBytes(StandardCharsets.UTF_8));
        garbage.put(Topics.SCORES_SPEECH, "{\"schemaVersion\":1,\"utteranceId\":".getBytes(StandardCharsets.UTF_8));
        garbage.put(Topics.EMOTIONS, "{\"schemaVersion\":1,\"label\":\"furious\"}".getBytes(StandardCharsets.UTF_8));
        Map<String, String> expectedService = Map.of(
                Topics.RECORDINGS,
                "ingest-service",
                Topics.UTTERANCES_TEXT,
                "inference-service",
                Topics.SCORES_SPEECH,
                "fusion-service",
                Topics.EMOTIONS,
                "reporting-service");

        byte[] text = "<html><body>not a recording</body></html>".getBytes(StandardCharsets.UTF_8);
        pipeline.publishRecording(notAudio, text, Pipeline.noTranscript());
        for (Map.Entry<String, byte[]> g : garbage.entrySet()) {
            pipeline.publishRaw(g.getKey(), run + "bad-" + g.getKey().replace('.', '-') + "#0", g.getValue());
        }
        garbage.put(Topics.RECORDINGS, text);
        // then a good recording behind them on the same topics
        String good = run + "good";
        pipeline.publishRecording(
                good, sample("angry-refund.wav"), Pipeline.inlineTranscript(sampleText("angry-refund.txt")));

        RecordingStatus goodStatus = pipeline.awaitFinalStatus(Set.of(good, notAudio), Duration.ofMinutes(3))
                .get(good);
        pipeline.awaitRows(
                good,
                new HashSet<>(goodStatus.utteranceIds()),
                r -> r.modalities().equals("BOTH"),
                Duration.ofMinutes(3));

        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<ConsumerRecord<String, byte[]>> dead;
        do {
            Thread.sleep(500);
            dead = pipeline.readAll(Topics.DEADLETTER, k -> k.startsWith(run));
        } while (dead.size() < garbage.size() && System.nanoTime() < deadline);
        assertThat(dead).hasSize(garbage.size());
        for (ConsumerRecord<String, byte[]> r : dead) {
            DeadLetter letter = DeadLetter.fromHeaders(r.headers());
            assertThat(letter.service()).as(r.key()).isEqualTo(expectedService.get(letter.sourceTopic()));
            assertThat(r.value()).as("original bytes of " + r.key()).isEqualTo(garbage.get(letter.sourceTopic()));
            assertThat(letter.reason()).isNotNull();
            assertThat(letter.detail()).isNotBlank();
        }

        // every metric the dashboards query (grafana/metrics.txt) is exposed by the service that owns it
        Map<String, List<String>> wanted = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Pipeline.REPO.resolve("grafana").resolve("metrics.txt"))) {
            String[] f = line.split("#", 2)[0].trim().split("\\s+");
            if (f.length == 2) {
                wanted.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
            }
        }
        for (String service : List.of("ingest", "inference", "fusion", "reporting")) {
            Set<String> exposed = pipeline.metricNames(service);
            List<String> names = new ArrayList<>(wanted.getOrDefault(service, List.of()));
            names.addAll(wanted.getOrDefault("quarkus", List.of()));
            assertThat(names).as(service).isNotEmpty();
            assertThat(exposed).as("metrics of " + service).containsAll(names);
        }
    }

    @Test
    @Order(3)
    void killingInferenceAndReportingMidStreamLosesAndDuplicatesNothing() throws Exception {
        String run = run();
        record Input(String wav, String transcript) {}
        List<Input> kinds = List.of(
                new Input("call-support.wav", "call-support.vtt"),
                new Input("angry-refund.wav", "angry-refund.txt"),
                new Input("sad-goodbye.wav", "sad-goodbye.txt"),
                new Input("happy-news.wav", "happy-news.txt"));
        int recordings = 36;
        List<String> ids = new ArrayList<>();
        long inferencePid = -1, reportingPid = -1;
        for (int i = 0; i < recordings; i++) {
            Input in = kinds.get(i % kinds.size());
            String id = run + i;
            ids.add(id);
            pipeline.publishRecording(id, sample(in.wav()), Pipeline.inlineTranscript(sampleText(in.transcript())));
            if (i == recordings / 3) {
                // SIGKILL mid-stream, once results are flowing: no shutdown hook, no drain, open transactions
                pipeline.awaitRows(run, Set.of(run + "0#0"), r -> true, Duration.ofMinutes(3));
                assertThat(pipeline.rows(run)).as("still mid-stream").hasSizeLessThan(recordings / 4 * 6);
                inferencePid = platform.kill("inference");
            }
            if (i == 2 * recordings / 3) {
                reportingPid = platform.kill("reporting");
            }
            Thread.sleep(400);
        }
        platform.awaitRestarted("inference", inferencePid, Duration.ofMinutes(3));
        platform.awaitRestarted("reporting", reportingPid, Duration.ofMinutes(3));

        Map<String, RecordingStatus> status = pipeline.awaitFinalStatus(new HashSet<>(ids), Duration.ofMinutes(3));
        Set<String> utterances = status.values().stream()
                .peek(s -> assertThat(s.state()).isEqualTo(RecordingStatus.State.SEGMENTED))
                .flatMap(s -> s.utteranceIds().stream())
                .collect(Collectors.toSet());
        assertThat(utterances).hasSize(recordings / 4 * (3 + 1 + 1 + 1));

        // nothing lost: every utterance ends as one row fused from both models
        Map<String, Pipeline.Row> rows =
                pipeline.awaitRows(run, utterances, r -> r.modalities().equals("BOTH"), Duration.ofMinutes(5));
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(utterances);

        // nothing duplicated: exactly one committed score per utterance and model, despite the killed transactions
        Function<String, Map<String, Long>> perKey = topic -> pipeline.readAll(topic, k -> k.startsWith(run)).stream()
                .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        for (String topic : List.of(Topics.SCORES_SPEECH, Topics.SCORES_TEXT)) {
            Map<String, Long> counts = perKey.apply(topic);
            assertThat(counts.keySet()).as(topic).containsExactlyInAnyOrderElementsOf(utterances);
            assertThat(counts.values()).as(topic).allMatch(n -> n == 1);
        }
        // one fused result per utterance, plus at most one correction when one side came after the fusion window
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
        // and the services really were replaced
        assertThat(platform.pid("inference")).isNotEqualTo(inferencePid);
        assertThat(platform.pid("reporting")).isNotEqualTo(reportingPid);
    }

    /**
     * A recording whose processing kills the ingest JVM (halt, as an OutOfMemoryError with -XX:+ExitOnOutOfMemoryError
     * or a native crash would): the local runtime restarts ingest, which dies on it again; at the third start the
     * consumer guard quarantines it (dead letter PROCESSING_CRASHED with its bytes, status FAILED) without processing
     * it, and the recording behind it on the same partition is segmented, scored, fused and stored.
     * <p>
     * The FAILED status carries the same key, so it kills the reporting JVM too: there the guard first needs two quick
     * deaths in a row to mark records one at a time, then two deaths with the status in flight; reporting quarantines
     * it after four deaths, and the good recording's status behind it on its partition is stored.
     */
    @Test
    @Order(4)
    void aRecordThatKillsTheServiceIsQuarantinedAndThePartitionMovesOn() throws Exception {
        String run = run();
        String poison = run + HALT_KEY;
        String good = run + "after-" + sameRecordingsPartition(poison);
        byte[] wav = sample("angry-refund.wav");
        Map<String, String> transcript = Pipeline.inlineTranscript(sampleText("angry-refund.txt"));
        long ingestPid = platform.pid("ingest");
        long reportingPid = platform.pid("reporting");
        pipeline.publishRecording(poison, wav, transcript);
        pipeline.publishRecording(good, wav, transcript);

        Map<String, RecordingStatus> status = pipeline.awaitFinalStatus(Set.of(poison, good), Duration.ofMinutes(5));
        assertThat(status.get(poison).state()).isEqualTo(RecordingStatus.State.FAILED);
        assertThat(status.get(poison).reason().name()).isEqualTo("PROCESSING_CRASHED");
        assertThat(status.get(good).state()).isEqualTo(RecordingStatus.State.SEGMENTED);
        assertThat(pipeline.audioRecords(k -> k.startsWith(poison + "#"))).isEmpty();

        // both quarantines: ingest's (the recording) and reporting's (its FAILED status)
        Map<String, ConsumerRecord<String, byte[]>> dead = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        while (dead.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            pipeline.readAll(Topics.DEADLETTER, poison::equals)
                    .forEach(r -> dead.put(DeadLetter.fromHeaders(r.headers()).service(), r));
        }
        assertThat(dead).containsOnlyKeys("ingest-service", "reporting-service");
        DeadLetter ingest = DeadLetter.fromHeaders(dead.get("ingest-service").headers());
        assertThat(ingest.reason().name()).isEqualTo("PROCESSING_CRASHED");
        assertThat(ingest.sourceTopic()).isEqualTo(Topics.RECORDINGS);
        assertThat(ingest.detail()).contains("killed the service 2 time(s)");
        assertThat(dead.get("ingest-service").value()).isEqualTo(wav);
        DeadLetter reporting =
                DeadLetter.fromHeaders(dead.get("reporting-service").headers());
        assertThat(reporting.reason().name()).isEqualTo("PROCESSING_CRASHED");
        assertThat(reporting.sourceTopic()).isEqualTo(Topics.RECORDING_STATUS);

        // the partitions moved on: the good recording's rows and status are stored, the poison's status is not
        pipeline.awaitRows(
                good,
                new HashSet<>(status.get(good).utteranceIds()),
                r -> r.modalities().equals("BOTH"),
                Duration.ofMinutes(3));
        assertThat(pipeline.reportingJson("/recordings/" + Pipeline.encode(good))
                        .path("recording")
                        .path("state")
                        .asText())
                .isEqualTo("SEGMENTED");
        assertThat(pipeline.reporting("/recordings/" + Pipeline.encode(poison), true)
                        .statusCode())
                .isEqualTo(404);

        // both really died and were restarted by the local runtime
        assertThat(platform.pid("ingest")).isNotEqualTo(ingestPid);
        assertThat(platform.pid("reporting")).isNotEqualTo(reportingPid);
        assertThat(Files.readString(platform.settings().logs().resolve("ingest.log")))
                .contains("TEST FAULT (emostream.guard.fault.halt-on-key)");
        assertThat(pipeline.metricNames("ingest")).contains("emostream_ingest_quarantined_total");
        assertThat(pipeline.metricNames("reporting")).contains("emostream_reporting_quarantined_total");
    }

    /** The smallest n for which recording id {@code n} lands on the same partition of the recordings topic as {@code id}. */
    private static int sameRecordingsPartition(String id) {
        int target = partition(id);
        String prefix = id.substring(0, id.length() - HALT_KEY.length()) + "after-";
        for (int n = 0; ; n++) {
            if (partition(prefix + n) == target) {
                return n;
            }
        }
    }

    private static int partition(String key) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                        org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)))
                % Topics.DEFAULT_PARTITIONS;
    }
}
