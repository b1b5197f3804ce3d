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
import java.util.stream.IntStream;

import static io.emostream.reporting.ApiFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class UtterancesResourceTest {

    private static final String MAY = "from=2031-05-01T00:00:00Z&to=2031-05-02T00:00:00Z";

    @Inject
    SinkWriter writer;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void filtersByRecordingSpeakerLabelConfidenceAndTime() {
        api().get("/utterances?recording=api-r1")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r1#2", "api-r1#1", "api-r1#0"));
        api().get("/utterances?recording=api-r1&order=asc")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r1#0", "api-r1#1", "api-r1#2"));
        api().get("/utterances?" + MAY + "&speaker=api-agent")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r2#0", "api-r1#0"));
        api().get("/utterances?" + MAY + "&label=angry")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r1#2", "api-r1#1"));
        api().get("/utterances?" + MAY + "&label=angry&minConfidence=0.5")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r1#1"));
        api().get("/utterances?" + MAY + "&minConfidence=0.75")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r2#0", "api-r1#1"))
                .body("items.confidence", everyItem(greaterThanOrEqualTo(0.75)));
        api().get("/utterances?from=2031-05-01T10:00:01Z&to=2031-05-01T11:30:00Z")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r1#2", "api-r1#1"));
        api().get("/utterances?recording=api-r2&speaker=api-customer-2&label=sad")
                .then()
                .statusCode(200)
                .body("items.utteranceId", contains("api-r2#1"));
    }

    @Test
    void carriesTheSpeechAndTextScoresBehindEachResult() {
        api().get("/utterances/api-r1%231")
                .then()
                .statusCode(200)
                .body("utteranceId", is("api-r1#1"))
                .body("recordingId", is("api-r1"))
                .body("index", is(1))
                .body("speaker", is("api-customer-1"))
                .body("transcript", is("utterance 1 of api-r1"))
                .body("label", is("angry"))
                .body("confidence", closeTo(0.9, 1e-9))
                .body("probabilities.angry", closeTo(0.9, 1e-9))
                .body("modalities", is("BOTH"))
                .body("fusionMode", is("FIXED"))
                .body("speechWeight", closeTo(0.6, 1e-9))
                .body("textWeight", closeTo(1.0, 1e-9))
                .body("speech.model", is("ser-crnn"))
                .body("speech.modelVersion", is("1.0.0"))
                .body("speech.label", is("angry"))
                .body("speech.probabilities.angry", closeTo(0.9, 1e-9))
                .body("text.model", is("ter-minilm-cnn"))
                .body("text.probabilities.fear", closeTo(0.1 / 6, 1e-9))
                .body("correction", is(false))
                .body("eventTime", is("2031-05-01T10:00:01Z"))
                .body("fusedAt", is("2031-05-01T10:00:01.100Z"));
        java.util.Map<String, Object> speech =
                api().get("/utterances/api-r1%231").then().extract().jsonPath().getMap("speech.probabilities");
        assertThat(speech.keySet())
                .as("canonical label order")
                .containsExactly("neutral", "happy", "sad", "angry", "fear", "disgust", "surprise");
        api().get("/utterances/api-r2%230")
                .then()
                .statusCode(200)
                .body("modalities", is("SPEECH_ONLY"))
                .body("text", nullValue())
                .body("transcript", nullValue());
    }

    @Test
    void unknownUtteranceIs404AndAMalformedIdIs400() {
        api().get("/utterances/api-r1%2399")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", is("no utterance 'api-r1#99'"));
        api().get("/utterances/api-r1")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("parameter", is("id"));
    }

    @Test
    void pagesInAStableOrderWithoutGapsOrRepeats() {
        for (String order : List.of("asc", "desc")) {
            List<String> seen = new ArrayList<>();
            String cursor = null;
            do {
                JsonPath page = api().get("/utterances?speaker=api-pager&limit=25&order=" + order
                                + (cursor == null ? "" : "&cursor=" + cursor))
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
                seen.addAll(page.getList("items.utteranceId"));
                cursor = page.getString("nextCursor");
            } while (cursor != null);
            List<String> expected = IntStream.range(0, ApiFixtures.BULK_SIZE)
                    .mapToObj(i -> "api-bulk#" + i)
                    .toList();
            if (order.equals("desc")) {
                expected = new ArrayList<>(expected);
                java.util.Collections.reverse(expected);
            }
            assertThat(seen).containsExactlyElementsOf(expected);
        }
        api().get("/utterances?speaker=api-pager&limit=500")
                .then()
                .statusCode(200)
                .body("items", hasSize(ApiFixtures.BULK_SIZE))
                .body("limit", is(500))
                .body("nextCursor", nullValue());
        api().get("/utterances?speaker=api-pager").then().statusCode(200).body("items", hasSize(50));
    }

    @Test
    void exportsTheQueryAsCsv() {
        String csv = api().get("/utterances/export.csv?recording=api-r1&order=asc")
                .then()
                .statusCode(200)
                .contentType("text/csv")
                .header("Content-Disposition", "attachment; filename=\"utterances.csv\"")
                .extract()
                .asString();
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0])
                .startsWith("utterance_id,recording_id,index,start_ms,end_ms,speaker,transcript,label,"
                        + "confidence,p_neutral,p_happy,p_sad,p_angry,p_fear,p_disgust,p_surprise,modalities");
        assertThat(lines[1]).startsWith("api-r1#0,api-r1,0,0,1500,api-agent,utterance 0 of api-r1,neutral,0.69999");
        assertThat(lines[2])
                .contains(",ser-crnn,1.0.0,angry,", ",false,2031-05-01T10:00:01Z,2031-05-01T10:00:01.100Z,");

        String bulk = api().get("/utterances/export.csv?speaker=api-pager&label=happy&limit=5")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(bulk.split("\r\n")).hasSize(6);
        api().get("/utterances/export.csv?speaker=api-pager&limit=0")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("parameter", is("limit"));
    }
}
