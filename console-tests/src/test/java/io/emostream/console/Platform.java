package io.emostream.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.contracts.Json;
import io.emostream.runtime.LocalPlatform;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** What the console tests do to the platform besides the browser: upload over HTTP and read the reporting API. */
final class Platform {

    static final Path REPO =
            Path.of(System.getProperty("emostream.repo", "..")).toAbsolutePath().normalize();
    static final Path SAMPLES = REPO.resolve("samples");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final LocalPlatform platform;
    final String reporting;
    final String key;

    Platform(LocalPlatform platform) {
        this.platform = platform;
        this.reporting = platform.url("reporting");
        this.key = platform.apiKey();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** GET on the reporting API with the platform's key; fails unless 200. */
    JsonNode api(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(reporting + path))
                        .header("X-API-Key", key)
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return Json.MAPPER.readTree(r.body());
    }

    /**
     * Uploads a sample through reporting's pass-through to ingest (the console's way in), as a multipart form with
     * its transcript text when given; returns the HTTP answer.
     */
    HttpResponse<String> upload(String recordingId, String audioSample, String transcriptSample, String apiKey)
            throws Exception {
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put("recordingId", recordingId.getBytes(StandardCharsets.UTF_8));
        if (transcriptSample != null) {
            parts.put("transcript", Files.readAllBytes(SAMPLES.resolve(transcriptSample)));
        }
        parts.put("file", Files.readAllBytes(SAMPLES.resolve(audioSample)));
        String boundary = "console-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> p : parts.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.getKey() + "\""
                            + (p.getKey().equals("file")
                                    ? "; filename=\"" + audioSample + "\"\r\nContent-Type: "
                                            + "application/octet-stream"
                                    : "\r\nContent-Type: text/plain; charset=UTF-8")
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(p.getValue());
            body.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(reporting + "/ingest/recordings"))
                        .header("X-API-Key", apiKey)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .timeout(Duration.ofMinutes(2))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls GET /recordings/{id} until {@code done} holds for it. */
    JsonNode awaitRecording(String id, Predicate<JsonNode> done, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing yet";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(reporting + "/recordings/" + encode(id)))
                            .header("X-API-Key", key)
                            .timeout(Duration.ofSeconds(20))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                JsonNode d = Json.MAPPER.readTree(r.body());
                if (done.test(d)) {
                    return d;
                }
                last = r.body();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("recording " + id + " not complete within " + timeout + "; last: " + last);
    }

    /** Every expected utterance stored, fused from both inputs when the recording came with a transcript. */
    static boolean complete(JsonNode d) {
        JsonNode r = d.path("recording");
        if (!"SEGMENTED".equals(r.path("state").asText())
                || r.path("utteranceCount").asInt()
                        < r.path("expectedUtterances").asInt(Integer.MAX_VALUE)) {
            return false;
        }
        boolean text = r.path("hasTranscript").asBoolean();
        for (JsonNode u : d.path("timeline")) {
            if (text && !"BOTH".equals(u.path("modalities").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The id ./emostream analyze gives a sample with its sidecar transcript: name + 10 hex of SHA-256(audio, text). */
    static String analyzeId(String audioSample, String transcriptSample) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(Files.readAllBytes(SAMPLES.resolve(audioSample)));
        if (transcriptSample != null) {
            sha.update(Files.readString(SAMPLES.resolve(transcriptSample)).getBytes(StandardCharsets.UTF_8));
        }
        return audioSample.replaceAll("\\.[^.]*$", "") + "-"
                + HexFormat.of().formatHex(sha.digest()).substring(0, 10);
    }
}
