package io.emostream.reporting;

import io.emostream.reporting.persistence.SinkWriter;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.emostream.reporting.ApiFixtures.api;
import static io.emostream.reporting.ApiFixtures.plain;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/**
 * What the web console needs from this service: its pages (open, like /q), the list filters it offers (id text,
 * low confidence), each model's score on the timeline, and the upload pass-through to ingest (key checked here;
 * a clear 502 when ingest cannot be reached — the test profile points it at a closed port).
 */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ConsoleApiTest {

    private static final String DAY = "from=2031-05-01T00:00:00Z&to=2031-05-02T00:00:00Z";

    @Inject
    SinkWriter writer;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void thePagesAndTheirChartLibraryAreServedWithoutAKey() {
        plain().get("/console/")
                .then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("<title>Recordings · EmoStream</title>"));
        for (String page : new String[] {"recording.html", "upload.html", "trends.html"}) {
            plain().get("/console/" + page).then().statusCode(200).contentType(containsString("text/html"));
        }
        plain().get("/console/js/timeline.js")
                .then()
                .statusCode(200)
                .contentType(containsString("javascript"))
                .body(containsString("export function timelineModel"));
        plain().get("/webjars/echarts/5.3.1/dist/echarts.min.js")
                .then()
                .statusCode(200)
                .contentType(containsString("javascript"));
        plain().get("/").then().statusCode(200).body(containsString("url=console/"));
        // the pages hold no data: the API behind them still needs the key
        plain().get("/recordings").then().statusCode(401);
    }

    @Test
    void recordingsCanBeFoundByIdTextAndByLowConfidenceUtterances() {
        api().get("/recordings?" + DAY + "&search=API-R")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r3", "api-r2", "api-r1"));
        api().get("/recordings?" + DAY + "&search=r2")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r2"));
        // the text is matched as it is: '_' and '%' are not wildcards
        api().get("/recordings?" + DAY + "&search=api_r1")
                .then()
                .statusCode(200)
                .body("items", empty());
        api().get("/recordings?" + DAY + "&search=%25").then().statusCode(200).body("items", empty());
        // api-r1 has an utterance at 0.4 (under the 0.5 threshold); api-r2's are 0.8 and 0.6; api-r3 has none
        api().get("/recordings?" + DAY + "&lowConfidence=true")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r1"));
        api().get("/recordings?" + DAY + "&lowConfidence=false")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r3", "api-r2", "api-r1"));
        api().get("/recordings?" + DAY + "&lowConfidence=true&emotion=happy")
                .then()
                .statusCode(200)
                .body("items", empty());
    }

    @Test
    void badSearchAndLowConfidenceValuesAreProblems() {
        api().get("/recordings?lowConfidence=yes")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("parameter", is("lowConfidence"))
                .body("detail", is("'lowConfidence' must be true or false, got 'yes'"));
        api().get("/recordings?search=" + "x".repeat(129))
                .then()
                .statusCode(400)
                .body("parameter", is("search"));
        api().get("/recordings?search=").then().statusCode(400).body("parameter", is("search"));
    }

    @Test
    void theTimelineCarriesEachModelsScore() {
        api().get("/recordings/api-r1")
                .then()
                .statusCode(200)
                .body("timeline[1].speech.model", is("ser-crnn"))
                .body("timeline[1].speech.modelVersion", is("1.0.0"))
                .body("timeline[1].speech.label", is("angry"))
                .body("timeline[1].speech.confidence", closeTo(0.9, 1e-9))
                .body("timeline[1].speech.probabilities.angry", closeTo(0.9, 1e-9))
                .body("timeline[1].text.model", is("ter-minilm-cnn"))
                .body("timeline[1].text.label", is("angry"))
                .body("timeline[1].text.probabilities.neutral", closeTo(0.1 / 6, 1e-9));
        // a speech-only utterance has no text score
        api().get("/recordings/api-r2")
                .then()
                .statusCode(200)
                .body("timeline[0].modalities", is("SPEECH_ONLY"))
                .body("timeline[0].speech.label", is("happy"))
                .body("timeline[0].text", nullValue());
    }

    @Test
    void uploadsNeedAKeyAndAnUnreachableIngestIsAClearProblem() {
        plain().contentType("audio/wav")
                .body(new byte[] {1, 2, 3})
                .post("/ingest/recordings")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("instance", is("/ingest/recordings"));
        plain().header("X-API-Key", "wrong")
                .contentType("audio/wav")
                .body(new byte[] {1, 2, 3})
                .post("/ingest/recordings")
                .then()
                .statusCode(401)
                .body("detail", is("the API key is not valid"));
        api().contentType("audio/wav")
                .body(new byte[] {1, 2, 3})
                .post("/ingest/recordings?recordingId=x1")
                .then()
                .statusCode(502)
                .contentType("application/problem+json")
                .body("type", is("urn:emostream:problem:ingest-unavailable"))
                .body("title", is("Ingest is not reachable"))
                .body("detail", startsWith("the ingest service (http://127.0.0.1:9/) did not take the upload"))
                .body("instance", is("/ingest/recordings"));
        plain().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .body(
                        "paths.'/ingest/recordings'.post.responses.'502'.description",
                        is("ingest is not reachable from this service"));
    }
}
