package io.emostream.fusion;

import io.emostream.testsupport.KafkaResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@WithTestResource(value = KafkaResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class HealthTest {

    @Test
    void readyWhenTheBrokerAnswersAndThePipelineRuns() {
        FusionServiceTest.awaitReady();
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", is("UP"))
                .body(
                        "checks.name",
                        hasItems(
                                "Kafka connection health check",
                                "Kafka Streams topics health check",
                                "Fusion pipeline running"));
    }

    @Test
    void liveWhileKafkaStreamsRuns() {
        given().when()
                .get("/q/health/live")
                .then()
                .statusCode(200)
                .body("checks.name", hasItem("Kafka Streams state health check"));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("emostream_fusion_pending"))
                .body(containsString("emostream_fusion_consumer_lag"));
    }
}
