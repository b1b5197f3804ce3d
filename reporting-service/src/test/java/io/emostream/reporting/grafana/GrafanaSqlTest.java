package io.emostream.reporting.grafana;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The expansions match what Grafana's PostgreSQL data source produces (its macros.go and macros_test.go). */
class GrafanaSqlTest {

    private static final Instant FROM = Instant.parse("2018-04-12T18:00:00Z");
    private static final Instant TO = Instant.parse("2018-04-12T18:05:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static String expand(String sql, Map<String, GrafanaSql.Selection> vars) {
        return GrafanaSql.expand(sql, vars, FROM, TO, MINUTE);
    }

    @Test
    void timeMacros() {
        assertThat(expand("WHERE $__timeFilter(time_column)", Map.of()))
                .isEqualTo("WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'");
        assertThat(expand("select $__time(time_column)", Map.of())).isEqualTo("select time_column AS \"time\"");
        assertThat(expand("select $__timeEpoch(time)", Map.of()))
                .isEqualTo("select extract(epoch from time) as \"time\"");
        assertThat(expand("$__timeFrom() $__timeTo()", Map.of()))
                .isEqualTo("'2018-04-12T18:00:00Z' '2018-04-12T18:05:00Z'");
        assertThat(expand("GROUP BY $__timeGroup(time_column,'5m')", Map.of()))
                .isEqualTo("GROUP BY floor(extract(epoch from time_column)/300)*300");
        assertThat(expand("SELECT $__timeGroupAlias(t, $__interval), 1", Map.of()))
                .isEqualTo("SELECT floor(extract(epoch from t)/60)*60 AS \"time\", 1");
        assertThat(expand("SELECT $__timeGroup(t, '1h'), 1", Map.of()))
                .as("the pre-5.3 rule: followed by a comma it gets the alias")
                .isEqualTo("SELECT floor(extract(epoch from t)/3600)*3600 AS \"time\", 1");
        assertThat(expand("WHERE $__unixEpochFilter(ts)", Map.of()))
                .isEqualTo("WHERE ts >= 1523556000 AND ts <= 1523556300");
    }

    @Test
    void variablesFollowGrafanaSqlFormatting() {
        Map<String, GrafanaSql.Selection> vars = Map.of(
                "one", GrafanaSql.Selection.single("a"),
                "many", GrafanaSql.Selection.many(List.of("a", "o'b")),
                "every", GrafanaSql.Selection.all(List.of("a", "b"), "'__all__'"));
        assertThat(expand("x = $one AND y IN ($many) AND z IN (${every}) AND w = ${one:sqlstring}", vars))
                .isEqualTo("x = a AND y IN ('a','o''b') AND z IN ('__all__') AND w = 'a'");
        assertThat(expand("$__interval $__interval_ms [[one]]", vars)).isEqualTo("1m 60000 a");
    }

    @Test
    void anythingUnexpandedIsAnError() {
        assertThatThrownBy(() -> expand("WHERE x = $nope", Map.of())).hasMessageContaining("undefined variable 'nope'");
        assertThatThrownBy(() -> expand("WHERE $__timeFilterr(t)", Map.of())).hasMessageContaining("unknown macro");
        assertThat(expand(
                        "SELECT '$not_a_variable_in_a_string'",
                        Map.of("not_a_variable_in_a_string", GrafanaSql.Selection.single("v"))))
                .isEqualTo("SELECT 'v'");
    }

    @Test
    void promQlMetricNames() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, modality) "
                        + "(rate(emostream_inference_latency_seconds_bucket{modality=\"speech\"}[5m])))"))
                .containsExactly("emostream_inference_latency_seconds_bucket");
        assertThat(PromQl.metricNames("sum(rate(a_total[1m])) / sum(rate(b_count[1m])) > bool 0 and on (job) up"))
                .containsExactly("a_total", "b_count", "up");
        assertThat(PromQl.metricNames("sum without (instance) (x) offset 5m")).containsExactly("x");
        assertThat(PromQl.expand("rate(x[$__rate_interval]) + increase(x[$__range])"))
                .isEqualTo("rate(x[1m]) + increase(x[1h])");
    }
}
