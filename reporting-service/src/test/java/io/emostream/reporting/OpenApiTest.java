package io.emostream.reporting;

import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static io.emostream.reporting.ApiFixtures.api;
import static io.emostream.reporting.ApiFixtures.plain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document lists every parameter of every GET with its description, and the query parameters it lists
 * are exactly the ones the operation accepts (an unknown one is refused naming the allowed ones).
 */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class OpenApiTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ' ',
            value = {
                "/recordings cursor,emotion,from,limit,lowConfidence,search,speaker,state,to",
                "/recordings/{id} id",
                "/utterances cursor,from,label,limit,minConfidence,order,recording,speaker,to",
                "/utterances/{id} id",
                "/utterances/export.csv from,label,limit,minConfidence,order,recording,speaker,to",
                "/stats/emotions from,groupBy,label,limit,minConfidence,recording,speaker,timeZone,to",
            })
    void everyGetDocumentsExactlyTheParametersItAccepts(String path, String names) {
        JsonPath doc = plain().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<Map<String, Object>> parameters = doc.getList("paths.'" + path + "'.get.parameters");
        assertThat(parameters).extracting(p -> (String) p.get("name")).containsExactlyInAnyOrder(names.split(","));
        assertThat(parameters).allSatisfy(p -> {
            assertThat(p.get("in")).isEqualTo(p.get("name").equals("id") ? "path" : "query");
            assertThat((String) p.get("description"))
                    .as("description of %s", p.get("name"))
                    .isNotBlank();
        });

        String query = parameters.stream()
                .filter(p -> p.get("in").equals("query"))
                .map(p -> (String) p.get("name"))
                .sorted()
                .toList()
                .toString();
        api().get(path.replace("{id}", "api-r1%230") + "?zz=1")
                .then()
                .statusCode(400)
                .body("detail", org.hamcrest.Matchers.is("unknown query parameter 'zz'; allowed: " + query));
    }
}
