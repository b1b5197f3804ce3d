package io.emostream.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code analyze}'s uploads against a real HTTP server that behaves like an ingest service dying under an
 * upload: the first request gets no answer (the connection closes), the service is back a moment later.
 */
class IngestClientTest {

    private HttpServer server;
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    private final List<String> apiKeys = new CopyOnWriteArrayList<>();
    private final AtomicInteger uploads = new AtomicInteger();
    private final AtomicInteger readyChecks = new AtomicInteger();
    private volatile Handler behaviour;

    @FunctionalInterface
    private interface Handler {
        void handle(int attempt, HttpExchange exchange) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/recordings", x -> {
            x.getRequestBody().readAllBytes();
            idempotencyKeys.add(x.getRequestHeaders().getFirst("Idempotency-Key"));
            apiKeys.add(x.getRequestHeaders().getFirst("X-API-Key"));
            behaviour.handle(uploads.incrementAndGet(), x);
        });
        server.createContext("/q/health/ready", x -> {
            readyChecks.incrementAndGet();
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IngestClient client(int attempts) {
        return new IngestClient(
                "http://localhost:" + server.getAddress().getPort(), "k-1", attempts, Duration.ofSeconds(5));
    }

    @Test
    void anUploadThatGotNoAnswerIsSentAgainWithTheSameIdempotencyKey() throws Exception {
        behaviour = (attempt, x) -> {
            if (attempt == 1) {
                x.close(); // dies under the upload: no status line, the client reads EOF
                return;
            }
            answer(
                    x,
                    202,
                    "application/json",
                    "{\"recordingId\":\"call-1\",\"utteranceIds\":[\"call-1#0\",\"call-1#1\"]}");
        };
        IngestClient.Accepted a = client(5).upload("call-1", "call.wav", new byte[] {1, 2, 3}, null);

        assertThat(a.utteranceIds()).containsExactly("call-1#0", "call-1#1");
        assertThat(uploads.get()).isEqualTo(2);
        assertThat(idempotencyKeys).containsExactly("call-1", "call-1");
        assertThat(apiKeys).containsExactly("k-1", "k-1");
        assertThat(readyChecks.get())
                .as("waited for the service before sending again")
                .isPositive();
    }

    @Test
    void busyMeansRetryAfterTheGivenTime() throws Exception {
        behaviour = (attempt, x) -> {
            if (attempt == 1) {
                x.getResponseHeaders().add("Retry-After", "1");
                answer(x, 429, "application/problem+json", "{\"title\":\"Too many uploads\",\"status\":429}");
                return;
            }
            answer(x, 202, "application/json", "{\"recordingId\":\"call-2\",\"utteranceIds\":[]}");
        };
        assertThat(client(5)
                        .upload("call-2", "call.wav", new byte[] {1}, "hello")
                        .recordingId())
                .isEqualTo("call-2");
        assertThat(uploads.get()).isEqualTo(2);
    }

    @Test
    void aRefusalIsReportedInItsOwnWords() {
        behaviour = (attempt, x) -> answer(
                x,
                415,
                "application/problem+json",
                "{\"title\":\"Unsupported or "
                        + "unreadable audio\",\"status\":415,\"detail\":\"not a readable audio file\"}");
        assertThatThrownBy(() -> client(5).upload("bad", "bad.wav", new byte[] {1}, null))
                .isInstanceOf(IngestClient.Rejected.class)
                .hasMessage("415 Unsupported or unreadable audio: not a readable audio file");
        assertThat(uploads.get()).as("a refusal is final").isEqualTo(1);
    }

    @Test
    void aRecordingUploadedBeforeIsFoundByItsStatus() throws Exception {
        server.createContext(
                "/recordings/call-9/status",
                x -> answer(
                        x,
                        200,
                        "application/json",
                        "{\"recordingId\":\"call-9\",\"state\":\"SEGMENTED\",\"utteranceCount\":2}"));
        behaviour = (attempt, x) -> answer(
                x,
                409,
                "application/problem+json",
                "{\"title\":\"Recording exists\",\"status\":409,\"detail\":\"recording 'call-9' already exists\"}");
        assertThatThrownBy(() -> client(5).upload("call-9", "call.wav", new byte[] {1}, null))
                .isInstanceOfSatisfying(
                        IngestClient.Rejected.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(client(5).existing("call-9"))
                .get()
                .extracting(IngestClient.Accepted::utteranceIds)
                .isEqualTo(List.of("call-9#0", "call-9#1"));
        assertThat(client(5).existing("call-10")).isEmpty();
    }

    @Test
    void aServiceThatNeverAnswersEndsInPlainWords() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        IngestClient nobody = new IngestClient("http://localhost:" + port, "k-1", 2, Duration.ofMillis(600));
        assertThatThrownBy(() -> nobody.upload("x", "x.wav", new byte[] {1}, null))
                .isInstanceOf(IngestClient.Unavailable.class)
                .hasMessage("ingest gave no answer after 2 attempts (last: ingest is not reachable at the moment "
                        + "(connection refused))");
    }

    private static void answer(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }
}
