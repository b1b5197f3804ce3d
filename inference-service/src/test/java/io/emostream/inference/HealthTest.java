package io.emostream.inference;

import io.emostream.testsupport.KafkaResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class HealthTest {

    @Test
    void readyWhenTheBrokerAnswersAndTheModelsAreWarm() {
        // loading and warming up the models takes a while; readiness says DOWN until then
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofMinutes(3))
                .untilAsserted(
                        () -> given().when().get("/q/health/ready").then().statusCode(200));
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("Kafka connection health check"))
                .body("checks.name", hasItem("Emotion models"));
    }

    @Test
    void liveWhileEveryWorkerRuns() {
        given().when().get("/q/health/live").then().statusCode(200).body("checks.name", hasItem("Scoring workers"));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
