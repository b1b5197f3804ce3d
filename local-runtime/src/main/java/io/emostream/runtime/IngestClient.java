package io.emostream.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emostream.contracts.ApiKeys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Uploads recordings to the ingest REST API as a careful client does: with the API key and an
 * {@code Idempotency-Key}, so that an upload that got no answer (the service died or restarted under it) can be
 * sent again, once the service is back, without making a second recording. Failures come back in plain words.
 */
final class IngestClient {

    /** What ingest accepted. */
    record Accepted(String recordingId, List<String> utteranceIds) {}

    /** Ingest refused the file; the message says why (its problem details). */
    static final class Rejected extends Exception {
        private final int status;

        Rejected(int status, String message) {
            super(message);
            this.status = status;
        }

        /** The HTTP status, e.g. 409 when the recording id is taken. */
        int status() {
            return status;
        }
    }

    /** Ingest could not be reached or gave no answer, even after waiting for it and retrying. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofSeconds(30);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String apiKey;
    private final int attempts;
    private final Duration waitForService;

    /**
     * @param attempts       how often one upload is sent at most
     * @param waitForService how long to wait for the service to be ready again after an upload got no answer
     */
    IngestClient(String baseUrl, String apiKey, int attempts, Duration waitForService) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.attempts = attempts;
        this.waitForService = waitForService;
    }

    /** Uploads one recording (multipart, with its transcript if any) under {@code recordingId}. */
    Accepted upload(String recordingId, String fileName, byte[] audio, String transcript)
            throws Rejected, Unavailable, InterruptedException {
        String boundary = "emostream-" + UUID.randomUUID();
        byte[] body = multipart(boundary, recordingId, fileName, audio, transcript);
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/recordings"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header(ApiKeys.HEADER, apiKey)
                // the same key on every attempt: a retry of an upload that did arrive is answered, not repeated
                .header("Idempotency-Key", recordingId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        String problem = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            HttpResponse<String> r;
            try {
                r = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                problem = noAnswer(e);
                if (attempt < attempts) {
                    awaitReady();
                }
                continue;
            }
            JsonNode json = parse(r.body());
            if (r.statusCode() == 202) {
                List<String> ids = new ArrayList<>();
                json.path("utteranceIds").forEach(n -> ids.add(n.asText()));
                return new Accepted(json.path("recordingId").asText(recordingId), ids);
            }
            String said = r.statusCode() + " " + json.path("title").asText("") + ": "
                    + json.path("detail")
                            .asText(r.body().isBlank() ? "no details" : r.body().strip());
            var retryAfter = r.headers().firstValueAsLong("Retry-After");
            if (retryAfter.isPresent() && (r.statusCode() == 429 || r.statusCode() == 503 || r.statusCode() == 409)) {
                problem = said;
                Thread.sleep(Math.min(retryAfter.getAsLong() * 1000, LONGEST_RETRY_AFTER.toMillis()));
                continue;
            }
            throw new Rejected(r.statusCode(), said);
        }
        throw new Unavailable("ingest gave no answer after " + attempts + " attempts (last: " + problem + ")");
    }

    /** A recording ingest already has (its utterance ids from its status), or empty when it is unknown. */
    java.util.Optional<Accepted> existing(String recordingId) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/recordings/"
                        + java.net.URLEncoder.encode(recordingId, StandardCharsets.UTF_8) + "/status"))
                .header(ApiKeys.HEADER, apiKey)
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return java.util.Optional.empty();
            }
            int count = parse(r.body()).path("utteranceCount").asInt(0);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ids.add(recordingId + "#" + i);
            }
            return java.util.Optional.of(new Accepted(recordingId, ids));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** Polls readiness until the service answers, or the wait is over (then the next attempt finds out). */
    private void awaitReady() throws InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                .timeout(Duration.ofSeconds(3))
                .build();
        long deadline = System.nanoTime() + waitForService.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not back yet
            }
            Thread.sleep(500);
        }
    }

    /** What happened to a request that got no HTTP answer, in words. */
    static String noAnswer(IOException e) {
        if (e instanceof ConnectException) {
            return "ingest is not reachable at the moment (connection refused)";
        }
        if (e instanceof HttpTimeoutException) {
            return "ingest did not answer in time";
        }
        return "the connection to ingest closed before it answered (the service may have restarted)";
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static byte[] multipart(
            String boundary, String recordingId, String fileName, byte[] audio, String transcript) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "recordingId", null, recordingId.getBytes(StandardCharsets.UTF_8));
        if (transcript != null) {
            part(body, boundary, "transcript", null, transcript.getBytes(StandardCharsets.UTF_8));
        }
        part(body, boundary, "file", fileName, audio);
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String filename, byte[] content) {
        StringBuilder h = new StringBuilder("--")
                .append(boundary)
                .append("\r\n")
                .append("Content-Disposition: form-data; name=\"")
                .append(name)
                .append('"');
        if (filename != null) {
            h.append("; filename=\"").append(filename.replace("\"", "")).append('"');
        }
        h.append("\r\nContent-Type: ")
                .append(filename != null ? "application/octet-stream" : "text/plain; charset=UTF-8")
                .append("\r\n\r\n");
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
}
