package io.emostream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Json;
import io.emostream.contracts.RecordingHeaders;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.Transcript;
import io.emostream.runtime.LocalPlatform;
import io.emostream.runtime.RuntimeState;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the end-to-end tests do to a running platform: publish, read topics, query PostgreSQL and the REST API. */
final class Pipeline implements AutoCloseable {

    static final Path REPO =
            Path.of(System.getProperty("emostream.repo", "..")).toAbsolutePath().normalize();
    static final Path SAMPLES = REPO.resolve("samples");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final LocalPlatform platform;
    private final KafkaProducer<String, byte[]> producer;
    private Connection db;
    private Admin admin;

    Pipeline(LocalPlatform platform) throws Exception {
        this.platform = platform;
        Map<String, Object> pc = new HashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        pc.put(ProducerConfig.ACKS_CONFIG, "all");
        pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        this.producer = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer());
        this.db = DriverManager.getConnection(platform.jdbcUrl(), "emostream", "emostream");
    }

    // --- publishing ---------------------------------------------------------------------------------------------

    /** A recording on {@code emostream.recordings}: key = id, value = the file's bytes, headers as given. */
    void publishRecording(String id, byte[] audio, Map<String, String> headers) throws Exception {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.RECORDINGS, id, audio);
        headers.forEach((k, v) -> r.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        producer.send(r).get(30, TimeUnit.SECONDS);
    }

    /** Any bytes on any topic, e.g. garbage a stage must dead-letter. */
    void publishRaw(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    /** A whole-text transcript on {@code emostream.transcripts}. */
    void publishTranscript(String id, String text) throws Exception {
        producer.send(new ProducerRecord<>(
                        Topics.TRANSCRIPTS,
                        id,
                        EventSerdes.TRANSCRIPT.serialize(Topics.TRANSCRIPTS, Transcript.untimed(id, "en", text))))
                .get(30, TimeUnit.SECONDS);
    }

    /** Stops the platform and checks nothing is left behind: supervisor, broker, PostgreSQL, every service JVM. */
    static void closeLeavingNothing(LocalPlatform platform) throws Exception {
        RuntimeState state = RuntimeState.read(platform.settings().home()).orElseThrow();
        platform.close();
        List<Long> pids = new ArrayList<>(List.of(state.pid(), state.kafkaPid(), state.postgresPid()));
        state.services().forEach(s -> pids.add(s.pid()));
        for (long pid : pids) {
            ProcessHandle.of(pid)
                    .ifPresent(p -> p.onExit()
                            .orTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                            .join());
            org.assertj.core.api.Assertions.assertThat(
                            ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid %d alive", pid)
                    .isFalse();
        }
    }

    static Map<String, String> inlineTranscript(String transcript) {
        return Map.of(RecordingHeaders.TRANSCRIPT, transcript, RecordingHeaders.LANGUAGE, "en");
    }

    static Map<String, String> noTranscript() {
        return Map.of(RecordingHeaders.TRANSCRIPT_MODE, RecordingHeaders.TRANSCRIPT_MODE_NONE);
    }

    /** Uploads raw bytes to the ingest REST API; returns the HTTP status and body. */
    HttpResponse<String> upload(String id, byte[] audio, String contentType, boolean awaitTranscript) throws Exception {
        return upload(id, audio, contentType, awaitTranscript, Map.of());
    }

    /** As {@link #upload(String, byte[], String, boolean)}, with extra request headers (e.g. a W3C traceparent). */
    HttpResponse<String> upload(
            String id, byte[] audio, String contentType, boolean awaitTranscript, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(platform.url("ingest") + "/recordings?recordingId="
                        + id + "&awaitTranscript=" + awaitTranscript))
                .header("Content-Type", contentType)
                .header("X-API-Key", platform.apiKey())
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(audio));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // --- topics -------------------------------------------------------------------------------------------------

    /**
     * Every committed audio utterance record whose utterance id passes the filter, from both audio topics (a named
     * speaker's utterances are on the speaker-grouped one, keyed by their group; its end markers are left out).
     */
    List<ConsumerRecord<String, byte[]>> audioRecords(Predicate<String> utteranceId) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>(readAll(Topics.UTTERANCES_AUDIO, utteranceId));
        for (ConsumerRecord<String, byte[]> r : readAll(Topics.UTTERANCES_AUDIO_SPEAKER, k -> true)) {
            if (!SpeakerGroups.isEnd(r.headers())
                    && utteranceId.test(AudioRecords.meta(r.headers()).utteranceId())) {
                out.add(r);
            }
        }
        return out;
    }

    /** The utterance ids of {@link #audioRecords}, one per record (a repeat shows as a repeated id). */
    List<String> audioUtterances(Predicate<String> utteranceId) {
        return audioRecords(utteranceId).stream()
                .map(r -> AudioRecords.meta(r.headers()).utteranceId())
                .toList();
    }

    /** Every committed record of a topic whose key passes the filter (read_committed, from the beginning). */
    List<ConsumerRecord<String, byte[]>> readAll(String topic, Predicate<String> key) {
        Map<String, Object> cc = new HashMap<>();
        cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cc.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(cc, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && key.test(r.key())) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Partitions held by each member of a consumer group while it is stable; empty while it rebalances (or is
     * empty). Kafka Streams applications are groups too (their application id).
     */
    List<Integer> stableAssignment(String group) throws Exception {
        synchronized (this) {
            if (admin == null) {
                admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
            }
        }
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                .describedGroups()
                .get(group)
                .get(30, TimeUnit.SECONDS);
        if (d.groupState() != GroupState.STABLE) {
            return List.of();
        }
        return d.members().stream()
                .map(m -> m.assignment().topicPartitions().size())
                .toList();
    }

    /** The latest status of each recording, once every one of them is SEGMENTED or FAILED. */
    Map<String, RecordingStatus> awaitFinalStatus(Set<String> recordingIds, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, RecordingStatus> latest = new LinkedHashMap<>();
        while (true) {
            latest.clear();
            for (ConsumerRecord<String, byte[]> r : readAll(Topics.RECORDING_STATUS, recordingIds::contains)) {
                if (r.value() != null) {
                    latest.put(r.key(), EventSerdes.RECORDING_STATUS.deserialize(r.topic(), r.value()));
                }
            }
            boolean done = latest.keySet().containsAll(recordingIds)
                    && latest.values().stream()
                            .allMatch(s -> s.state() == RecordingStatus.State.SEGMENTED
                                    || s.state() == RecordingStatus.State.FAILED);
            if (done) {
                return Map.copyOf(latest);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("recordings not segmented or failed within " + timeout + ": " + latest
                        + " (logs in " + platform.settings().logs() + ")");
            }
            Thread.sleep(500);
        }
    }

    List<FusedEmotion> fused(Predicate<String> key) {
        return readAll(Topics.EMOTIONS, key).stream()
                .map(r -> EventSerdes.FUSED_EMOTION.deserialize(r.topic(), r.value()))
                .toList();
    }

    // --- PostgreSQL ---------------------------------------------------------------------------------------------

    /** Rows in {@code utterances} of recordings whose id starts with the prefix, by utterance id. */
    Map<String, Row> rows(String recordingPrefix) throws Exception {
        Map<String, Row> rows = new LinkedHashMap<>();
        try (PreparedStatement s = db().prepareStatement("""
                SELECT utterance_id, recording_id, modalities, label, confidence, transcript,
                       p_neutral + p_happy + p_sad + p_angry + p_fear + p_disgust + p_surprise AS p_sum,
                       speech_model, speech_model_version, speech_label,
                       text_model, text_model_version, text_label, trace_id
                FROM utterances WHERE recording_id LIKE ? ORDER BY utterance_id""")) {
            s.setString(1, recordingPrefix + "%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.put(
                            rs.getString(1),
                            new Row(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getString(3),
                                    rs.getString(4),
                                    rs.getDouble(5),
                                    rs.getString(6),
                                    rs.getDouble(7),
                                    rs.getString(8),
                                    rs.getString(9),
                                    rs.getString(10),
                                    rs.getString(11),
                                    rs.getString(12),
                                    rs.getString(13),
                                    rs.getString(14)));
                }
            }
        }
        return rows;
    }

    /** How many rows each utterance of recordings whose id starts with the prefix has (the table's truth, no key assumed). */
    Map<String, Long> rowCounts(String recordingPrefix) throws Exception {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (PreparedStatement s = db().prepareStatement("""
                SELECT utterance_id, count(*) FROM utterances WHERE recording_id LIKE ? GROUP BY utterance_id""")) {
            s.setString(1, recordingPrefix + "%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    /** When each row of recordings whose id starts with the prefix was first stored ({@code ingested_at}), by utterance. */
    Map<String, java.time.Instant> landedAt(String recordingPrefix) throws Exception {
        Map<String, java.time.Instant> at = new LinkedHashMap<>();
        try (PreparedStatement s = db().prepareStatement("""
                SELECT utterance_id, ingested_at FROM utterances WHERE recording_id LIKE ? ORDER BY ingested_at""")) {
            s.setString(1, recordingPrefix + "%");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    at.put(rs.getString(1), rs.getTimestamp(2).toInstant());
                }
            }
        }
        return at;
    }

    /** The test's connection, opened again when PostgreSQL was restarted under it. */
    private Connection db() throws java.sql.SQLException {
        if (!db.isValid(5)) {
            db.close();
            db = DriverManager.getConnection(platform.jdbcUrl(), "emostream", "emostream");
        }
        return db;
    }

    record Row(
            String utteranceId,
            String recordingId,
            String modalities,
            String label,
            double confidence,
            String transcript,
            double probabilitySum,
            String speechModel,
            String speechModelVersion,
            String speechLabel,
            String textModel,
            String textModelVersion,
            String textLabel,
            String traceId) {}

    /** Waits until the rows of these utterances are there and each passes {@code complete}. */
    Map<String, Row> awaitRows(
            String recordingPrefix, Set<String> utteranceIds, Predicate<Row> complete, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Row> rows = rows(recordingPrefix);
            if (utteranceIds.stream().allMatch(id -> rows.containsKey(id) && complete.test(rows.get(id)))) {
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout + " only "
                        + rows.values().stream().filter(complete).count()
                        + " of " + utteranceIds.size() + " utterances have their complete row (logs in "
                        + platform.settings().logs() + ")");
            }
            Thread.sleep(500);
        }
    }

    // --- REST ---------------------------------------------------------------------------------------------------

    HttpResponse<String> reporting(String pathAndQuery, boolean withKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(platform.url("reporting") + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (withKey) {
            b.header("X-API-Key", platform.apiKey());
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode reportingJson(String pathAndQuery) throws Exception {
        HttpResponse<String> r = reporting(pathAndQuery, true);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + pathAndQuery + " → " + r.statusCode() + ": " + r.body());
        }
        return Json.MAPPER.readTree(r.body());
    }

    /** A service's health endpoint ({@code /q/health/live}, …) as JSON, whatever its status code; null if it does not answer. */
    JsonNode health(String service, String path) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(platform.url(service) + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return Json.MAPPER.readTree(r.body());
        } catch (Exception e) {
            return null;
        }
    }

    /** The metric names a service exposes on /q/metrics. */
    Set<String> metricNames(String service) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(platform.url(service) + "/q/metrics"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Set<String> names = new java.util.HashSet<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        if (admin != null) {
            admin.close();
        }
        producer.close();
        db.close();
    }
}
