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
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class StatsResourceTest {

    private static final String MAY = "from=2031-05-01T00:00:00Z&to=2031-05-02T00:00:00Z";

    @Inject
    SinkWriter writer;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void groupsByHourWithCountsAndMeanProbabilities() {
        api().get("/stats/emotions?" + MAY)
                .then()
                .statusCode(200)
                .body("groupBy", is("hour"))
                .body("timeZone", is("UTC"))
                .body("truncated", is(false))
                .body("groups.key", contains("2031-05-01T10:00:00Z", "2031-05-01T11:00:00Z"))
                .body("groups.utterances", contains(3, 2))
                .body("groups[0].counts.angry", is(2))
                .body("groups[0].counts.neutral", is(1))
                .body("groups[0].counts.surprise", is(0))
                .body("groups[0].meanProbabilities.angry", closeTo((0.05 + 0.9 + 0.4) / 3, 1e-9))
                .body("groups[0].meanConfidence", closeTo((0.7 + 0.9 + 0.4) / 3, 1e-9))
                .body("groups[1].counts.happy", is(1))
                .body("groups[1].counts.sad", is(1));
    }

    @Test
    void groupsByDayInTheRequestedTimeZone() {
        api().get("/stats/emotions?groupBy=day&" + MAY)
                .then()
                .statusCode(200)
                .body("groups.key", contains("2031-05-01T00:00:00Z"))
                .body("groups.utterances", contains(5));
        api().get("/stats/emotions?groupBy=day&timeZone=Asia/Kolkata&" + MAY)
                .then()
                .statusCode(200)
                .body("timeZone", is("Asia/Kolkata"))
                .body("groups.key", contains("2031-04-30T18:30:00Z"))
                .body("groups.utterances", contains(5));
    }

    @Test
    void groupsBySpeakerOrRecordingLargestFirst() {
        api().get("/stats/emotions?groupBy=speaker&" + MAY)
                .then()
                .statusCode(200)
                .body("groups.key", contains("api-agent", "api-customer-1", "api-customer-2"))
                .body("groups.utterances", contains(2, 2, 1));
        api().get("/stats/emotions?groupBy=recording&" + MAY)
                .then()
                .statusCode(200)
                .body("groups.key", contains("api-r1", "api-r2"))
                .body("groups[1].counts.happy", is(1));
        api().get("/stats/emotions?groupBy=speaker&limit=1&" + MAY)
                .then()
                .statusCode(200)
                .body("groups.key", contains("api-agent"))
                .body("truncated", is(true))
                .body("limit", is(1));
    }

    @Test
    void appliesTheUtteranceFilters() {
        api().get("/stats/emotions?groupBy=speaker&label=angry&" + MAY)
                .then()
                .statusCode(200)
                .body("groups.key", contains("api-customer-1"))
                .body("groups.utterances", contains(2));
        api().get("/stats/emotions?groupBy=recording&recording=api-r2&minConfidence=0.7")
                .then()
                .statusCode(200)
                .body("groups.key", contains("api-r2"))
                .body("groups.utterances", contains(1));
        api().get("/stats/emotions?groupBy=hour&speaker=api-customer-2")
                .then()
                .statusCode(200)
                .body("groups.key", contains("2031-05-01T11:00:00Z"));
    }
}
