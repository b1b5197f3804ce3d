package io.emostream.reporting.persistence;

import io.emostream.contracts.Emotion;
import io.emostream.reporting.ApiFixtures;
import io.emostream.reporting.EmotionGroup;
import io.emostream.reporting.EmotionStats;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The hourly rollup answers exactly what the utterances answer, and is used only when it can. */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class StatsRollupTest {

    private static final Instant MAY = Instant.parse("2031-05-01T00:00:00Z");
    private static final Instant JULY = Instant.parse("2031-07-01T00:00:00Z");
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Inject
    SinkWriter writer;

    @Inject
    StatsQueries stats;

    @Test
    void rollupAndUtterancesGiveTheSameGroups() throws Exception {
        ApiFixtures.seed(writer);
        List<UtteranceFilter> filters = List.of(
                new UtteranceFilter(null, null, null, null, MAY, JULY),
                new UtteranceFilter("api-r1", null, null, null, null, null),
                new UtteranceFilter(null, "api-agent", null, null, MAY, JULY),
                new UtteranceFilter(null, "api-pager", null, null, Instant.parse("2031-06-01T00:00:00Z"), JULY),
                // ranges off the hour: whole hours from the rollup, the ends from the utterances
                new UtteranceFilter(
                        null,
                        null,
                        null,
                        null,
                        Instant.parse("2031-05-01T10:00:01Z"),
                        Instant.parse("2031-05-01T11:30:00.500Z")),
                new UtteranceFilter(null, null, null, null, Instant.parse("2031-05-01T09:59:59Z"), null),
                new UtteranceFilter(null, "api-customer-1", null, null, null, Instant.parse("2031-05-01T10:00:02Z")),
                new UtteranceFilter(
                        null,
                        "api-pager",
                        null,
                        null,
                        Instant.parse("2031-06-01T00:00:10Z"),
                        Instant.parse("2031-06-01T00:01:00Z")));
        for (UtteranceFilter f : filters) {
            for (GroupBy g : GroupBy.values()) {
                for (ZoneId zone : List.of(UTC, ZoneId.of("Europe/Paris"))) {
                    EmotionStats raw = stats.emotions(f, g, zone, 1000, false);
                    EmotionStats rolled = stats.emotions(f, g, zone, 1000, true);
                    assertThat(raw.groups()).as("%s by %s", f, g).isNotEmpty();
                    assertThat(rolled.groups()).hasSameSizeAs(raw.groups());
                    for (int i = 0; i < raw.groups().size(); i++) {
                        EmotionGroup a = raw.groups().get(i);
                        EmotionGroup b = rolled.groups().get(i);
                        assertThat(b.key()).isEqualTo(a.key());
                        assertThat(b.utterances()).isEqualTo(a.utterances());
                        assertThat(b.counts()).isEqualTo(a.counts());
                        assertThat(b.meanConfidence()).isCloseTo(a.meanConfidence(), within(1e-9));
                        for (Emotion e : Emotion.ALL) {
                            assertThat(b.meanProbabilities().get(e.label()))
                                    .isCloseTo(a.meanProbabilities().get(e.label()), within(1e-9));
                        }
                    }
                }
            }
        }
    }

    @Test
    void theRollupIsUsedOnlyWhenItHoldsTheAnswer() {
        UtteranceFilter range = new UtteranceFilter(null, null, null, null, MAY.plusSeconds(1800), JULY);
        assertThat(StatsQueries.rollupUsable(range, GroupBy.HOUR, UTC)).isTrue();
        assertThat(StatsQueries.rollupUsable(range, GroupBy.DAY, ZoneId.of("Europe/Paris")))
                .isTrue();
        assertThat(StatsQueries.rollupUsable(range, GroupBy.DAY, ZoneId.of("Asia/Kolkata")))
                .isFalse();
        assertThat(StatsQueries.rollupUsable(range, GroupBy.SPEAKER, ZoneId.of("Asia/Kolkata")))
                .isTrue();
        assertThat(StatsQueries.rollupUsable(
                        new UtteranceFilter(null, null, Emotion.ANGRY, null, null, null), GroupBy.HOUR, UTC))
                .isFalse();
        assertThat(StatsQueries.rollupUsable(
                        new UtteranceFilter(null, null, null, 0.5, null, null), GroupBy.RECORDING, UTC))
                .isFalse();
    }
}
