package io.emostream.ingest;

import io.emostream.contracts.FailureReason;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.UtteranceText;
import io.emostream.ingest.AudioFixtures.Format;
import io.emostream.testsupport.KafkaResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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

    private static String newId(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void multipartUploadWithTranscriptReturnsTheUtteranceIdsItProduces() {
        String id = newId("rest-form");
        String vtt = "WEBVTT\n\n00:00.400 --> 00:02.100\n<v agent>Hello there\n\n00:02.700 --> 00:04.900\n<v customer>Where is my parcel?\n";
        ExtractableResponse<Response> r = given()
                .multiPart("file", "call.mp3", MP3, "audio/mpeg")
                .multiPart("transcript", vtt)
                .multiPart("recordingId", id)
                .multiPart("language", "en")
                .when().post("/recordings")
                .then().statusCode(202)
                .header("Location", containsString("/recordings/" + id + "/status"))
                .body("recordingId", equalTo(id))
                .body("hasTranscript", is(true))
                .extract();
        List<String> ids = r.jsonPath().getList("utteranceIds", String.class);
        assertThat(ids).containsExactly(id + "#0", id + "#1");

        // exactly those utterances appear downstream, with their text
        assertThat(IngestRecords.text(id, 2)).extracting(UtteranceText::text)
                .containsExactly("Hello there", "Where is my parcel?");
        assertThat(IngestRecords.audio(id, 2)).extracting(x -> x.key()).containsExactlyElementsOf(ids);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().when().get("/recordings/" + id + "/status")
                .then().statusCode(200)
                .body("state", equalTo(RecordingStatus.State.SEGMENTED.name()))
                .body("utteranceIds.size()", is(2)));
    }

    @Test
    void rawBodyUploadIsSegmentedByVoiceActivity() {
        String id = newId("rest-raw");
        List<String> ids = given().contentType("audio/mpeg").body(MP3)
                .queryParam("recordingId", id)
                .when().post("/recordings")
                .then().statusCode(202)
                .body("status", equalTo("ACCEPTED"))
                .body("hasTranscript", is(false))
                .extract().jsonPath().getList("utteranceIds", String.class);
        assertThat(ids).containsExactly(id + "#0", id + "#1");
        assertThat(IngestRecords.audio(id, 2)).hasSize(2);
    }

    @Test
    void generatedIdsWhenNoneIsGiven() {
        String id = given().contentType("audio/wav").body(AudioFixtures.encode(Format.WAV, 16_000, SPEECH))
                .when().post("/recordings").then().statusCode(202).extract().path("recordingId");
        assertThat(id).startsWith("rec-");
    }

    @Test
    void badUploadsGetProblemDetails() {
        problem(given().contentType("audio/mpeg").body(AudioFixtures.head(MP3, 0.4)), 422, FailureReason.AUDIO_CORRUPT);
        problem(given().contentType("application/octet-stream").body("not audio".repeat(100).getBytes()), 415,
                FailureReason.AUDIO_UNREADABLE);
        problem(given().contentType("audio/wav").body(AudioFixtures.headerOnlyWav()), 422, FailureReason.AUDIO_EMPTY);
        problem(given().contentType("audio/wav").body(new byte[3_100_000]), 413, FailureReason.AUDIO_TOO_LARGE);
        problem(given().contentType("audio/flac").body(AudioFixtures.encode(Format.FLAC, 8_000,
                AudioFixtures.pattern(8_000, 65))), 422, FailureReason.AUDIO_TOO_LONG);
        problem(given().contentType("audio/mpeg").body(MP3).queryParam("recordingId", "bad id#1"), 400,
                FailureReason.INVALID_KEY);
        problem(given().multiPart("file", "a.mp3", MP3, "audio/mpeg").multiPart("transcript", "WEBVTT\n\nnonsense\n"),
                400, FailureReason.TRANSCRIPT_MALFORMED);
        problem(given().multiPart("file", "a.mp3", MP3, "audio/mpeg")
                        .multiPart("transcript", "{\"schemaVersion\":1,\"segments\":[{\"start\":30,\"end\":31,\"text\":\"late\"}]}"),
                422, FailureReason.TRANSCRIPT_OUT_OF_RANGE);
        problem(given().multiPart("file", "a.mp3", MP3, "audio/mpeg").multiPart("speakers", "zero=agent"), 400,
                FailureReason.MALFORMED_EVENT);

        given().multiPart("recordingId", "x").when().post("/recordings")
                .then().statusCode(400).contentType("application/problem+json").body("title", equalTo("Missing file"));
    }

    @Test
    void unknownRecordingStatusIs404() {
        given().when().get("/recordings/never-seen-" + UUID.randomUUID() + "/status")
                .then().statusCode(404).contentType("application/problem+json").body("status", is(404));
    }

    @Test
    void openApiDocumentsTheUpload() {
        given().when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/recordings")).body(containsString("AcceptedRecording"));
    }

    private static void problem(io.restassured.specification.RequestSpecification req, int status, FailureReason reason) {
        req.when().post("/recordings").then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", is(status))
                .body("reason", equalTo(reason.name()))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()))
                .body("type", containsString(reason.name().toLowerCase().replace('_', '-')));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
