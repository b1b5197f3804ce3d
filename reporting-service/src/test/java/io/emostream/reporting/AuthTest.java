package io.emostream.reporting;

import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.emostream.reporting.ApiFixtures.plain;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** API keys guard the API; health, metrics and the OpenAPI document stay open. */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AuthTest {

    @Test
    void withoutAKeyEveryEndpointIs401() {
        for (String path : new String[] {
            "/recordings",
            "/recordings/api-r1",
            "/utterances",
            "/utterances/a%230",
            "/utterances/export.csv",
            "/stats/emotions",
            "/no-such-path"
        }) {
            plain().get(path)
                    .then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")
                    .body("type", is("urn:emostream:problem:unauthorized"))
                    .body("title", is("Unauthorized"))
                    .body("status", is(401))
                    .body("detail", is("send an API key in the X-API-Key header"))
                    .body("instance", is(path));
        }
    }

    @Test
    void aWrongKeyIs401() {
        plain().header("X-API-Key", "not-a-key")
                .get("/recordings")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("detail", is("the API key is not valid"));
        plain().header("X-API-Key", "").get("/recordings").then().statusCode(401);
        plain().header("X-API-Key", "test-key-1x").get("/recordings").then().statusCode(401);
    }

    @Test
    void everyConfiguredKeyIsAccepted() {
        plain().header("X-API-Key", "test-key-1").get("/recordings").then().statusCode(200);
        plain().header("X-API-Key", "test-key-2").get("/recordings").then().statusCode(200);
        plain().header("X-API-Key", "test-key-2")
                .get("/no-such-path")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404))
                .body("instance", is("/no-such-path"));
    }

    @Test
    void healthMetricsAndOpenApiNeedNoKey() {
        plain().get("/q/health/ready").then().statusCode(200);
        plain().get("/q/health/live").then().statusCode(200).body(containsString("Reporting sink"));
        plain().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("emostream_reporting_rows_upserted_total"));
        plain().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .body("components.securitySchemes.apiKey.type", is("apiKey"))
                .body("components.securitySchemes.apiKey.name", is("X-API-Key"))
                .body("components.securitySchemes.apiKey.in", is("header"))
                .body("paths", org.hamcrest.Matchers.hasKey("/stats/emotions"))
                .body(
                        "paths.'/utterances/export.csv'.get.responses.'400'.$ref",
                        is("#/components/responses/BadRequest"));
        plain().get("/q/swagger-ui/").then().statusCode(200);
    }
}
