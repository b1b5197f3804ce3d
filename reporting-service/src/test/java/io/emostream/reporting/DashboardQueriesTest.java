package io.emostream.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import io.emostream.reporting.grafana.Dashboards;
import io.emostream.reporting.grafana.GrafanaSql;
import io.emostream.reporting.grafana.PromQl;
import io.emostream.reporting.persistence.SinkWriter;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.emostream.testsupport.RealInfra;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.emostream.reporting.ApiFixtures.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every dashboard query is checked against reality: each SQL query, with Grafana's macros and variables expanded,
 * runs on the real migrated schema as the read-only role Grafana uses and returns data for the seeded fixtures;
 * every metric a PromQL query names is exposed by reporting-service or listed in {@code grafana/metrics.txt} as
 * what another service must expose; every PromQL expression parses (promtool).
 */
@QuarkusTest
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class DashboardQueriesTest {

    private static final Instant FROM = Instant.parse("2031-04-30T00:00:00Z");
    private static final Instant TO = Instant.parse("2031-06-02T00:00:00Z");
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final String READER = "emostream_reader";

    @Inject
    SinkWriter writer;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void dashboardsUseOnlyTheProvisionedDataSources() throws Exception {
        String datasources = Files.readString(Dashboards.root().resolve("provisioning/datasources/emostream.yaml"));
        Set<String> uids = new LinkedHashSet<>();
        for (JsonNode d : Dashboards.all()) {
            assertThat(uids.add(d.path("uid").asText()))
                    .as("dashboard uids are unique")
                    .isTrue();
            for (Dashboards.Query q : Dashboards.queries(d)) {
                assertThat(datasources).as(q.where()).contains("uid: " + q.datasourceUid());
                assertThat(q.text()).as(q.where()).isNotBlank();
            }
        }
        assertThat(uids).containsExactlyInAnyOrder("emostream-emotions", "emostream-recording", "emostream-pipeline");
        assertThat(datasources).contains("user: " + READER);
    }

    @Test
    void everySqlQueryRunsOnTheRealSchemaAsTheReaderRole() throws Exception {
        int checked = 0;
        try (Connection c = DriverManager.getConnection(RealInfra.jdbcUrl(), READER, READER)) {
            c.setReadOnly(true);
            for (JsonNode d : Dashboards.all()) {
                List<Map<String, GrafanaSql.Selection>> selections = selections(c, Dashboards.variables(d));
                for (Dashboards.Query q : Dashboards.queries(d)) {
                    if (!q.isSql()) {
                        continue;
                    }
                    int mostRows = 0;
                    for (Map<String, GrafanaSql.Selection> vars : selections) {
                        String sql = GrafanaSql.expand(q.text(), vars, FROM, TO, INTERVAL);
                        mostRows = Math.max(mostRows, run(c, q, sql));
                    }
                    assertThat(mostRows)
                            .as("%s returns rows for the fixtures", q.where())
                            .isPositive();
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(15);
    }

    /** Runs one expanded query; checks Grafana's shape rules; returns the row count. */
    private static int run(Connection c, Dashboards.Query q, String sql) {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            try (ResultSet rs = s.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                int timeColumn = -1;
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    if (md.getColumnLabel(i).equals("time")) {
                        timeColumn = i;
                    }
                }
                if (q.format().equals("time_series")) {
                    assertThat(timeColumn)
                            .as("%s: a time series needs a 'time' column", q.where())
                            .isPositive();
                }
                int rows = 0;
                double lastTime = Double.NEGATIVE_INFINITY;
                while (rs.next()) {
                    rows++;
                    if (q.format().equals("time_series")) {
                        double t = rs.getDouble(timeColumn);
                        assertThat(t)
                                .as("%s: Grafana needs time series sorted by time", q.where())
                                .isGreaterThanOrEqualTo(lastTime);
                        lastTime = t;
                    }
                }
                return rows;
            }
        } catch (SQLException e) {
            return fail(q.where() + " failed: " + e.getMessage() + "\n" + sql);
        }
    }

    /** Every combination of variable values to try: each value of a single-value variable; All and one value of a multi. */
    private static List<Map<String, GrafanaSql.Selection>> selections(Connection c, List<Dashboards.Variable> vars)
            throws SQLException {
        List<Map<String, GrafanaSql.Selection>> combos = new ArrayList<>();
        combos.add(new HashMap<>());
        for (Dashboards.Variable v : vars) {
            List<String> values = values(c, v);
            assertThat(values)
                    .as("variable %s / %s has values", v.dashboard(), v.name())
                    .isNotEmpty();
            List<GrafanaSql.Selection> choices = new ArrayList<>();
            if (v.includeAll()) {
                choices.add(GrafanaSql.Selection.all(values, v.allValue()));
            }
            if (v.multi()) {
                choices.add(GrafanaSql.Selection.many(values.subList(0, 1)));
            } else if (!v.includeAll()) {
                values.forEach(x -> choices.add(GrafanaSql.Selection.single(x)));
            }
            List<Map<String, GrafanaSql.Selection>> next = new ArrayList<>();
            for (Map<String, GrafanaSql.Selection> combo : combos) {
                for (GrafanaSql.Selection choice : choices) {
                    Map<String, GrafanaSql.Selection> m = new HashMap<>(combo);
                    m.put(v.name(), choice);
                    next.add(m);
                }
            }
            combos = next;
        }
        return combos;
    }

    private static List<String> values(Connection c, Dashboards.Variable v) throws SQLException {
        if (v.type().equals("custom")) {
            return List.of(v.query().split("\\s*,\\s*"));
        }
        assertThat(v.type()).as("variable %s", v.name()).isEqualTo("query");
        String sql = GrafanaSql.expand(v.query(), Map.of(), FROM, TO, INTERVAL);
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    @Test
    void everyPromQlMetricIsExposedOrDeclaredForItsService() throws Exception {
        Map<String, String> declared = declaredMetrics();
        Set<String> exposed = exposedByThisService();
        Set<String> used = new TreeSet<>();
        for (JsonNode d : Dashboards.all()) {
            for (Dashboards.Query q : Dashboards.queries(d)) {
                if (!q.isSql()) {
                    Set<String> names = PromQl.metricNames(q.text());
                    assertThat(names).as(q.where()).isNotEmpty();
                    used.addAll(names);
                }
            }
        }
        assertThat(declared.keySet())
                .as("every metric a dashboard uses is declared in grafana/metrics.txt")
                .containsAll(used);
        assertThat(used).as("metrics.txt lists nothing that no dashboard uses").containsAll(declared.keySet());
        for (Map.Entry<String, String> m : declared.entrySet()) {
            if (m.getValue().equals("reporting") || m.getValue().equals("quarkus")) {
                assertThat(exposed)
                        .as("reporting-service's /q/metrics exposes %s", m.getKey())
                        .contains(m.getKey());
            }
        }
    }

    @Test
    void everyPromQlExpressionParses() throws Exception {
        assumeTrue(
                onPath("promtool"), "promtool not installed (Debian: apt-get install prometheus); syntax not checked");
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        int n = 0;
        for (JsonNode d : Dashboards.all()) {
            for (Dashboards.Query q : Dashboards.queries(d)) {
                if (!q.isSql()) {
                    rules.append("      - record: dashboard:query")
                            .append(n++)
                            .append("\n        expr: ")
                            .append(new com.fasterxml.jackson.databind.ObjectMapper()
                                    .writeValueAsString(PromQl.expand(q.text())))
                            .append('\n');
                }
            }
        }
        Path file = Files.createTempFile("dashboard-rules", ".yml");
        Files.writeString(file, rules);
        Process p = new ProcessBuilder("promtool", "check", "rules", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS: " + n + " rules found");
        Files.delete(file);
    }

    @Test
    void theReaderRoleCanReadButNotWrite() throws Exception {
        try (Connection c = DriverManager.getConnection(RealInfra.jdbcUrl(), READER, READER);
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM utterances")) {
                assertThat(rs.next()).isTrue();
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM recordings")) {
                assertThat(rs.next()).isTrue();
            }
            for (String write : List.of(
                    "DELETE FROM utterances", "UPDATE recordings SET state = NULL", "CREATE TABLE sneaky (x int)")) {
                try {
                    s.execute(write);
                    fail("the reader role could run: " + write);
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).as(write).isIn("42501"); // insufficient_privilege
                }
            }
        }
    }

    private static Map<String, String> declaredMetrics() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Dashboards.root().resolve("metrics.txt"))) {
            String l = line.replaceAll("#.*", "").trim();
            if (!l.isEmpty()) {
                String[] parts = l.split("\\s+");
                out.put(parts[1], parts[0]);
            }
        }
        return out;
    }

    private static Set<String> exposedByThisService() {
        String text = plain().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> names = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
