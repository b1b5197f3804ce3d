package io.emostream.reporting;

import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.emostream.reporting.ApiFixtures.api;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/** Bad input is always a 400 problem naming the parameter, never a 404 from conversion or a 500. */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ProblemDetailsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ' ',
            value = {
                "/recordings?from=yesterday from",
                "/recordings?to=2031-13-01T00:00:00Z to",
                "/recordings?from=2031-05-02&to=2031-05-01 to",
                "/recordings?from=2031-05-01&to=2031-05-01 to",
                "/recordings?limit=501 limit",
                "/recordings?limit=0 limit",
                "/recordings?limit=-3 limit",
                "/recordings?limit=ten limit",
                "/recordings?limit=99999999999999999999 limit",
                "/recordings?limit=1&limit=2 limit",
                "/recordings?emotion=bored emotion",
                "/recordings?state=done state",
                "/recordings?speaker= speaker",
                "/recordings?cursor=garbage cursor",
                "/recordings?sort=started_at sort",
                "/recordings/api-r1?verbose=true verbose",
                "/recordings/bad%23id id",
                "/utterances?minConfidence=1.5 minConfidence",
                "/utterances?minConfidence=high minConfidence",
                "/utterances?minConfidence=NaN minConfidence",
                "/utterances?label=calm label",
                "/utterances?recording=bad%23id recording",
                "/utterances?order=sideways order",
                "/utterances?cursor=bm9wZQ cursor",
                "/utterances?from=2031-05-01T10:00 from",
                "/utterances/no-index id",
                "/utterances/r%23x id",
                "/utterances/export.csv?limit=1000001 limit",
                "/utterances/export.csv?cursor=x cursor",
                "/stats/emotions?groupBy=week groupBy",
                "/stats/emotions?timeZone=Mars/Olympus timeZone",
                "/stats/emotions?timeZone=%2B01:00 timeZone",
                "/stats/emotions?limit=10001 limit",
                "/stats/emotions?label=ANGRY&label=sad label",
                "/utterances?speaker=%20 speaker",
                "/utterances/export.csv?limit= limit",
                "/utterances/export.csv?order=asc&order=desc order",
                "/stats/emotions?timeZone= timeZone",
                "/stats/emotions?order=asc order",
            })
    void invalidParametersAre400Problems(String url, String parameter) {
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        api().get(url)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", is("urn:emostream:problem:invalid-parameter"))
                .body("title", is("Invalid parameter"))
                .body("status", is(400))
                .body("detail", not(emptyOrNullString()))
                .body("instance", is(path))
                .body("parameter", is(parameter));
    }

    @Test
    void detailsSayWhatIsWrong() {
        api().get("/recordings?limit=501").then().body("detail", is("'limit' must be from 1 to 500, got 501"));
        api().get("/utterances?label=calm").then().body("detail", containsString("neutral, happy, sad, angry"));
        api().get("/stats/emotions?groupBy=week")
                .then()
                .body("detail", is("'groupBy' must be one of [hour, day, speaker, recording], got 'week'"));
        api().get("/recordings?sort=x").then().body("detail", containsString("allowed: [cursor, emotion, from"));
    }

    @Test
    void wrongMethodIs405Problem() {
        api().post("/recordings")
                .then()
                .statusCode(405)
                .contentType("application/problem+json")
                .body("status", is(405))
                .body("instance", is("/recordings"));
    }
}
