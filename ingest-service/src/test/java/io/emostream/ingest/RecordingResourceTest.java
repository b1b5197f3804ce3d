package io.emostream.ingest;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceText;
import io.emostream.ingest.AudioFixtures.Format;
import io.emostream.testsupport.KafkaResource;
import io.emostream.testsupport.TestKafka;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RecordingResourceTest {

    private static final float[] SPEECH = AudioFixtures.pattern(44_100, 0.5, 1.5, 0.8, 2.0, 0.5);
    private static final byte[] MP3 = AudioFixtures.encode(Format.MP3, 44_100, SPEECH);

    static final String KEY = "test-key-1";

    /** A request with the test profile's API key. */
    static RequestSpecification api() {
        return given().header("X-API-Key", KEY);
    }

    private static String newId(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void multipartUploadWithTranscriptReturnsTheUtteranceIdsItProduces() {
        String id = newId("rest-form");
        String vtt =
                "WEBVTT\n\n00:00.400 --> 00:02.100\n<v agent>Hello there\n\n00:02.700 --> 00:04.900\n<v customer>Where is my parcel?\n";
        ExtractableResponse<Response> r = api().multiPart("file", "call.mp3", MP3, "audio/mpeg")
                .multiPart("transcript", vtt)
                .multiPart("recordingId", id)
                .multiPart("language", "en")
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .header("Location", containsString("/recordings/" + id + "/status"))
                .body("recordingId", equalTo(id))
                .body("hasTranscript", is(true))
                .extract();
        List<String> ids = r.jsonPath().getList("utteranceIds", String.class);
        assertThat(ids).containsExactly(id + "#0", id + "#1");

        // exactly those utterances appear downstream, with their text
        assertThat(IngestRecords.text(id, 2))
                .extracting(UtteranceText::text)
                .containsExactly("Hello there", "Where is my parcel?");
        assertThat(IngestRecords.audio(id, 2))
                .extracting(x -> IngestRecords.meta(x).utteranceId())
                .containsExactlyElementsOf(ids);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> api().when()
                        .get("/recordings/" + id + "/status")
                        .then()
                        .statusCode(200)
                        .body("state", equalTo(RecordingStatus.State.SEGMENTED.name()))
                        .body("utteranceCount", is(2))
                        .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("uploadDigest"))));
    }

    @Test
    void rawBodyUploadIsSegmentedByVoiceActivity() {
        String id = newId("rest-raw");
        List<String> ids = api().contentType("audio/mpeg")
                .body(MP3)
                .queryParam("recordingId", id)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .body("status", equalTo("ACCEPTED"))
                .body("hasTranscript", is(false))
                .extract()
                .jsonPath()
                .getList("utteranceIds", String.class);
        assertThat(ids).containsExactly(id + "#0", id + "#1");
        assertThat(IngestRecords.audio(id, 2)).hasSize(2);
    }

    @Test
    void generatedIdsWhenNoneIsGiven() {
        String id = api().contentType("audio/wav")
                .body(AudioFixtures.encode(Format.WAV, 16_000, SPEECH))
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .extract()
                .path("recordingId");
        assertThat(id).startsWith("rec-");
        IngestRecords.status(id, RecordingStatus.State.SEGMENTED); // no work left behind for the next test
    }

    @Test
    void badUploadsGetProblemDetails() {
        problem(api().contentType("audio/mpeg").body(AudioFixtures.head(MP3, 0.4)), 422, FailureReason.AUDIO_CORRUPT);
        problem(
                api().contentType("application/octet-stream")
                        .body("not audio".repeat(100).getBytes(StandardCharsets.UTF_8)),
                415,
                FailureReason.AUDIO_UNREADABLE);
        problem(api().contentType("audio/wav").body(AudioFixtures.headerOnlyWav()), 422, FailureReason.AUDIO_EMPTY);
        problem(api().contentType("audio/wav").body(new byte[3_100_000]), 413, FailureReason.AUDIO_TOO_LARGE);
        problem(
                api().contentType("audio/flac")
                        .body(AudioFixtures.encode(Format.FLAC, 8_000, AudioFixtures.pattern(8_000, 65))),
                422,
                FailureReason.AUDIO_TOO_LONG);
        problem(
                api().contentType("audio/mpeg").body(MP3).queryParam("recordingId", "bad id#1"),
                400,
                FailureReason.INVALID_KEY);
        problem(
                api().multiPart("file", "a.mp3", MP3, "audio/mpeg").multiPart("transcript", "WEBVTT\n\nnonsense\n"),
                400,
                FailureReason.TRANSCRIPT_MALFORMED);
        problem(
                api().multiPart("file", "a.mp3", MP3, "audio/mpeg")
                        .multiPart(
                                "transcript",
                                "{\"schemaVersion\":1,\"segments\":[{\"start\":30,\"end\":31,\"text\":\"late\"}]}"),
                422,
                FailureReason.TRANSCRIPT_OUT_OF_RANGE);
        problem(
                api().multiPart("file", "a.mp3", MP3, "audio/mpeg").multiPart("speakers", "zero=agent"),
                400,
                FailureReason.MALFORMED_EVENT);

        api().multiPart("recordingId", "x")
                .when()
                .post("/recordings")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("title", equalTo("Missing file"));
    }

    @Test
    void unknownRecordingStatusIs404() {
        api().when()
                .get("/recordings/never-seen-" + UUID.randomUUID() + "/status")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404));
    }

    @Test
    void openApiDocumentsTheUpload() {
        api().when()
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/recordings"))
                .body(containsString("AcceptedRecording"))
                .body(containsString("EmoStream ingest API"))
                .body(containsString("application/problem+json"))
                .body(containsString("#/components/responses/TooLarge"))
                .body(containsString("X-API-Key"));
    }

    @Test
    void withoutAValidKeyEveryCallIs401AndHealthStaysOpen() {
        given().contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")
                .body("type", equalTo("urn:emostream:problem:unauthorized"))
                .body("detail", equalTo("send an API key in the X-API-Key header"))
                .body("instance", equalTo("/recordings"));
        given().header("X-API-Key", "not-a-key")
                .multiPart("file", "a.mp3", MP3, "audio/mpeg")
                .when()
                .post("/recordings")
                .then()
                .statusCode(401)
                .body("detail", equalTo("the API key is not valid"));
        given().when().get("/recordings/x/status").then().statusCode(401);
        given().when().get("/q/health/ready").then().statusCode(200);
        given().header("X-API-Key", "test-key-2")
                .when()
                .get("/recordings/unknown-" + UUID.randomUUID() + "/status")
                .then()
                .statusCode(404);
    }

    @Test
    void aRetriedUploadWithTheSameIdempotencyKeyIsOneRecordingWithTheSameAnswer() {
        String key = UUID.randomUUID().toString();
        ExtractableResponse<Response> first = api().header("Idempotency-Key", key)
                .contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .extract();
        String id = first.path("recordingId");
        List<String> ids = first.jsonPath().getList("utteranceIds", String.class);
        assertThat(ids).hasSize(2);
        assertThat(first.header("Idempotent-Replayed")).isNull();

        // the client never saw that answer and sends again: same recording, same utterances, nothing new published
        api().header("Idempotency-Key", key)
                .contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .header("Idempotent-Replayed", "true")
                .body("recordingId", equalTo(id))
                .body("utteranceIds", equalTo(ids));
        IngestRecords.status(id, RecordingStatus.State.SEGMENTED);
        api().header("Idempotency-Key", key)
                .contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .body("recordingId", equalTo(id))
                .body("utteranceIds", equalTo(ids))
                .body("status", equalTo("SEGMENTED"));
        assertThat(IngestRecords.audio(id, 2)).hasSize(2);
        assertThat(TestKafka.readAll(Topics.RECORDINGS, r -> id.equals(r.key())))
                .hasSize(1);

        // someone else's upload may not take that id, with another key or none
        problemStatus(
                api().header("Idempotency-Key", "other-" + key)
                        .contentType("audio/mpeg")
                        .body(MP3)
                        .queryParam("recordingId", id),
                409);
        problemStatus(api().contentType("audio/mpeg").body(MP3).queryParam("recordingId", id), 409);
        // nor may the same Idempotency-Key under another caller's API key
        problemStatus(
                given().header("X-API-Key", "test-key-2")
                        .header("Idempotency-Key", key)
                        .contentType("audio/mpeg")
                        .body(MP3)
                        .queryParam("recordingId", id),
                409);
    }

    @Test
    void eachUploadIsDecodedTwiceOnceToAnswerOnceToCut() {
        double before = decodePasses();
        String id = api().contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .extract()
                .path("recordingId");
        IngestRecords.status(id, RecordingStatus.State.SEGMENTED);
        assertThat(decodePasses() - before).isEqualTo(2.0);
    }

    @Test
    void overTheConcurrencyLimitUploadsGet429WithRetryAfter() throws Exception {
        // two uploads that send their headers and then stall hold both slots of the test profile
        try (StalledUpload a = new StalledUpload();
                StalledUpload b = new StalledUpload()) {
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> api().contentType("audio/mpeg")
                            .body(MP3)
                            .when()
                            .post("/recordings")
                            .then()
                            .statusCode(429)
                            .contentType("application/problem+json")
                            .header("Retry-After", "5")
                            .body("title", equalTo("Too many uploads")));
        }
        // a slot is freed when its connection goes away
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> id[0] = api().contentType("audio/mpeg")
                        .body(MP3)
                        .when()
                        .post("/recordings")
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("recordingId"));
        IngestRecords.status(id[0], RecordingStatus.State.SEGMENTED);
    }

    @Test
    void thePoisonTranscriptIsRefusedAndTheServiceGoesOn() {
        api().multiPart("file", "five-seconds.mp3", MP3, "audio/mpeg")
                .multiPart("transcript", "poison.json", PoisonTranscript.bytes(), "application/json")
                .when()
                .post("/recordings")
                .then()
                .statusCode(400)
                .body("reason", equalTo(FailureReason.TRANSCRIPT_TOO_LARGE.name()))
                .body("detail", equalTo("the transcript has more than 20000 segments, the limit"));
        api().multiPart("file", "five-seconds.mp3", MP3, "audio/mpeg")
                .multiPart("transcript", PoisonTranscript.overlapping(9))
                .when()
                .post("/recordings")
                .then()
                .statusCode(400)
                .body("reason", equalTo(FailureReason.TRANSCRIPT_OVERLAP.name()));
        String id = api().contentType("audio/mpeg")
                .body(MP3)
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .extract()
                .path("recordingId");
        IngestRecords.status(id, RecordingStatus.State.SEGMENTED);
    }

    @Test
    void friendlyInputIsAccepted() {
        // a JSON transcript as other tools write it: no schemaVersion, no recordingId
        String id = newId("friendly");
        api().multiPart("file", "call.mp3", MP3, "audio/mpeg")
                .multiPart("recordingId", id)
                .multiPart(
                        "transcript",
                        "{\"segments\":[{\"start\":0.4,\"end\":2.1,\"text\":\"Hello\"},"
                                + "{\"start\":2.7,\"end\":4.9,\"text\":\"Where is it?\"}]}")
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .body("utteranceIds", equalTo(List.of(id + "#0", id + "#1")));
        // a screen recording whose audio (5.3 s) stops before its picture (12 s)
        String video = api().contentType("video/mp4")
                .body(AudioFixtures.videoWithShorterAudio(12, 44_100, SPEECH))
                .when()
                .post("/recordings")
                .then()
                .statusCode(202)
                .body("utteranceIds.size()", is(2))
                .extract()
                .path("recordingId");
        IngestRecords.status(id, RecordingStatus.State.SEGMENTED);
        IngestRecords.status(video, RecordingStatus.State.SEGMENTED);
        // and a malformed one is explained in plain words
        api().multiPart("file", "call.mp3", MP3, "audio/mpeg")
                .multiPart("transcript", "{\"segments\":[{\"start\":\"soon\",\"end\":2,\"text\":\"x\"}]}")
                .when()
                .post("/recordings")
                .then()
                .statusCode(400)
                .body("detail", equalTo("segment 1 \"start\" must be a number of seconds"));
    }

    private static double decodePasses() {
        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return metrics.lines()
                .filter(l -> l.startsWith("emostream_ingest_decode_passes_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow();
    }

    private static void problemStatus(RequestSpecification req, int status) {
        req.when()
                .post("/recordings")
                .then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", is(status));
    }

    /** A raw upload that sends its headers and a few bytes, then waits: it holds an upload slot until closed. */
    private static final class StalledUpload implements AutoCloseable {
        private final Socket socket;

        StalledUpload() throws Exception {
            socket = new Socket("localhost", io.restassured.RestAssured.port);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /recordings HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + KEY + "\r\n"
                            + "Content-Type: audio/mpeg\r\nContent-Length: " + MP3.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(MP3, 0, 100);
            out.flush();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private static void problem(RequestSpecification req, int status, FailureReason reason) {
        req.when()
                .post("/recordings")
                .then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", is(status))
                .body("reason", equalTo(reason.name()))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()))
                .body(
                        "type",
                        containsString(reason.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
