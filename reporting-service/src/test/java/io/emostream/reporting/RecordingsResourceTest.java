package io.emostream.reporting;

import io.emostream.reporting.persistence.SinkWriter;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.emostream.reporting.ApiFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RecordingsResourceTest {

    private static final String DAY = "from=2031-05-01T00:00:00Z&to=2031-05-02T00:00:00Z";

    @Inject
    SinkWriter writer;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void listsNewestFirstWithinTheTimeRange() {
        api().get("/recordings?" + DAY)
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r3", "api-r2", "api-r1"))
                .body("limit", is(50))
                .body("nextCursor", nullValue());
        api().get("/recordings?from=2031-05-01T11:00:00Z&to=2031-05-01T12:00:00Z")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r2"));
        api().get("/recordings?from=2031-05-01T11:00:00%2B01:00&to=2031-05-01")
                .then()
                .statusCode(400);
        api().get("/recordings?from=2031-05-01T10:00:00%2B01:00&to=2031-05-02")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r3", "api-r2", "api-r1"));
    }

    @Test
    void filtersByDominantEmotionSpeakerAndState() {
        api().get("/recordings?" + DAY + "&emotion=angry")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r1"));
        api().get("/recordings?" + DAY + "&emotion=ANGRY")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r1"));
        api().get("/recordings?" + DAY + "&speaker=api-agent")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r2", "api-r1"));
        api().get("/recordings?" + DAY + "&speaker=api-customer-2")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r2"));
        api().get("/recordings?" + DAY + "&state=failed")
                .then()
                .statusCode(200)
                .body("items.recordingId", contains("api-r3"))
                .body("items[0].failureReason", is("AUDIO_CORRUPT"))
                .body("items[0].failureDetail", is("truncated"))
                .body("items[0].utteranceCount", is(0));
        api().get("/recordings?" + DAY + "&emotion=fear").then().statusCode(200).body("items", empty());
    }

    @Test
    void pagesWithACursorCoverEveryRecordingOnce() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = api().get("/recordings?" + DAY + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            seen.addAll(page.getList("items.recordingId"));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("api-r3", "api-r2", "api-r1");
        assertThat(pages).isEqualTo(2);
    }

    @Test
    void oneRecordingWithSummaryAndTimeline() {
        api().get("/recordings/api-r1")
                .then()
                .statusCode(200)
                .body("recording.recordingId", is("api-r1"))
                .body("recording.state", is("SEGMENTED"))
                .body("recording.expectedUtterances", is(3))
                .body("recording.utteranceCount", is(3))
                .body("recording.durationMs", is(6000))
                .body("recording.speakers", contains("api-agent", "api-customer-1"))
                .body("recording.dominantEmotion", is("angry"))
                .body("recording.firstEventTime", is("2031-05-01T10:00:00Z"))
                .body("recording.lastEventTime", is("2031-05-01T10:00:02Z"))
                .body("labelCounts.angry", is(2))
                .body("labelCounts.neutral", is(1))
                .body("labelCounts.fear", is(0))
                .body("meanProbabilities.angry", closeTo((0.9 + 0.4 + 0.05) / 3, 1e-6))
                .body("lowConfidenceUtterances", is(1))
                .body("lowConfidenceThreshold", is(0.5))
                .body("timeline", hasSize(3))
                .body("timeline.index", contains(0, 1, 2))
                .body("timeline.label", contains("neutral", "angry", "angry"))
                .body("timeline[1].startMs", is(2000))
                .body("timeline[1].endMs", is(3500))
                .body("timeline[1].speaker", is("api-customer-1"))
                .body("timeline[1].probabilities.angry", closeTo(0.9, 1e-9))
                .body("timelineTruncated", is(false));
        api().get("/recordings/api-r3")
                .then()
                .statusCode(200)
                .body("recording.state", is("FAILED"))
                .body("timeline", empty())
                .body("meanProbabilities", nullValue());
    }

    @Test
    void unknownRecordingIs404AndAMalformedIdIs400() {
        api().get("/recordings/api-nope")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404))
                .body("title", is("Not found"))
                .body("type", is("urn:emostream:problem:not-found"))
                .body("detail", is("no recording 'api-nope'"))
                .body("instance", is("/recordings/api-nope"));
        api().get("/recordings/-bad!id")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("parameter", is("id"));
    }
}
