package io.emostream.reporting;

import io.emostream.contracts.Emotion;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.RecordingStatus;
import io.emostream.reporting.persistence.SinkBatch;
import io.emostream.reporting.persistence.SinkWriter;
import io.restassured.RestAssured;
import io.restassured.config.JsonConfig;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.specification.RequestSpecification;

import java.time.Instant;

/**
 * One known dataset for the API tests, written once per test JVM through the sink's own writer, in its own time
 * window (2031) and with its own ids, so it never mixes with other tests' data.
 *
 * <pre>
 * api-r1  SEGMENTED, 3 expected  10:00:00 agent neutral .7 | 10:00:01 customer-1 angry .9 | 10:00:02 customer-1 angry .4
 * api-r2  SEGMENTED, 2 expected  11:30:00 agent happy .8 (speech only) | 11:30:01 customer-2 sad .6
 * api-r3  FAILED (AUDIO_CORRUPT) at 12:00, no utterances
 * api-bulk                       120 utterances of speaker api-pager, 2031-06-01 00:00:00 + i s, label by i % 3
 * </pre>
 */
public final class ApiFixtures {

    static final String KEY = "test-key-1";
    static final Instant DAY = Instant.parse("2031-05-01T00:00:00Z");
    static final Instant BULK = Instant.parse("2031-06-01T00:00:00Z");
    static final int BULK_SIZE = 120;

    private static boolean seeded;

    private ApiFixtures() {}

    public static synchronized void seed(SinkWriter writer) throws Exception {
        if (seeded) {
            return;
        }
        Instant r1 = DAY.plusSeconds(10 * 3600);
        Instant r2 = DAY.plusSeconds(11 * 3600 + 1800);
        SinkBatch.Builder b = SinkBatch.builder()
                .status(Fixtures.status("api-r1", RecordingStatus.State.SEGMENTED, 3, r1), r1)
                .result(Fixtures.both("api-r1", 0, "api-agent", Emotion.NEUTRAL, 0.7, r1))
                .result(Fixtures.both("api-r1", 1, "api-customer-1", Emotion.ANGRY, 0.9, r1.plusSeconds(1)))
                .result(Fixtures.both("api-r1", 2, "api-customer-1", Emotion.ANGRY, 0.4, r1.plusSeconds(2)))
                .status(Fixtures.status("api-r2", RecordingStatus.State.SEGMENTED, 2, r2), r2)
                .result(Fixtures.speechOnly("api-r2", 0, "api-agent", Emotion.HAPPY, 0.8, r2, r2.plusSeconds(5)))
                .result(Fixtures.both("api-r2", 1, "api-customer-2", Emotion.SAD, 0.6, r2.plusSeconds(1)));
        Instant failedAt = DAY.plusSeconds(12 * 3600);
        b.status(
                new RecordingStatus(
                        RecordingStatus.SCHEMA_VERSION,
                        "api-r3",
                        RecordingStatus.State.FAILED,
                        null,
                        null,
                        null,
                        FailureReason.AUDIO_CORRUPT,
                        "truncated",
                        failedAt,
                        null),
                failedAt);
        Emotion[] cycle = {Emotion.NEUTRAL, Emotion.HAPPY, Emotion.SURPRISE};
        for (int i = 0; i < BULK_SIZE; i++) {
            b.result(
                    Fixtures.both("api-bulk", i, "api-pager", cycle[i % 3], 0.5 + (i % 5) / 10.0, BULK.plusSeconds(i)));
        }
        writer.write(b.build());
        seeded = true;
    }

    /** A request with a valid API key. */
    static RequestSpecification api() {
        return plain().header("X-API-Key", KEY);
    }

    /** Without a key; URLs are sent as written (already percent-encoded), JSON decimals read as doubles. */
    static RequestSpecification plain() {
        return RestAssured.given()
                .urlEncodingEnabled(false)
                .config(RestAssured.config()
                        .jsonConfig(JsonConfig.jsonConfig().numberReturnType(JsonPathConfig.NumberReturnType.DOUBLE)));
    }
}
