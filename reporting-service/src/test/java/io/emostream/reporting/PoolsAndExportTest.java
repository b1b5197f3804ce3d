package io.emostream.reporting;

import io.agroal.api.AgroalDataSource;
import io.emostream.contracts.Emotion;
import io.emostream.reporting.persistence.SessionLimits;
import io.emostream.reporting.persistence.SinkWriter;
import io.emostream.testsupport.KafkaAndPostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.emostream.reporting.ApiFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * The two connection pools and the bounded export, against the real PostgreSQL and broker: the sink writes while
 * every API connection is taken; both pools' sessions carry a statement timeout and an idle-in-transaction timeout
 * that PostgreSQL enforces; an export longer than one page is complete and in order; one matching more than the
 * maximum is a problem, not a silently cut file. Small limits (below) make each case cheap.
 */
@QuarkusTest
@TestProfile(PoolsAndExportTest.SmallLimits.class)
@WithTestResource(value = KafkaAndPostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class PoolsAndExportTest {

    static final int API_POOL = 3;
    static final int MAX_EXPORT = 100;
    static final int PAGE = 7;

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.datasource.jdbc.max-size",
                    Integer.toString(API_POOL),
                    "quarkus.datasource.jdbc.acquisition-timeout",
                    "2s",
                    "emostream.reporting.api.query-timeout",
                    "2s",
                    "emostream.reporting.api.idle-in-transaction-timeout",
                    "1s",
                    "emostream.reporting.api.max-export-rows",
                    Integer.toString(MAX_EXPORT),
                    "emostream.reporting.api.export-page-size",
                    Integer.toString(PAGE));
        }
    }

    @Inject
    SinkWriter writer;

    @Inject
    AgroalDataSource api;

    @Inject
    @io.quarkus.agroal.DataSource(SessionLimits.SINK)
    AgroalDataSource sink;

    @BeforeEach
    void seed() throws Exception {
        ApiFixtures.seed(writer);
    }

    @Test
    void eachPoolsSessionsCarryTheirOwnTimeouts() throws SQLException {
        assertThat(setting(api, "statement_timeout")).isEqualTo("2s");
        assertThat(setting(api, "idle_in_transaction_session_timeout")).isEqualTo("1s");
        assertThat(setting(sink, "statement_timeout")).isEqualTo("1min");
        assertThat(setting(sink, "idle_in_transaction_session_timeout")).isEqualTo("1min");
        assertThat(api.getConfiguration().connectionPoolConfiguration().maxSize())
                .isEqualTo(API_POOL);
        assertThat(sink.getConfiguration().connectionPoolConfiguration().maxSize())
                .isEqualTo(4);
    }

    /** PostgreSQL itself cancels the statement: no client-side query timeout is set on this one. */
    @Test
    void aSlowApiQueryIsCancelledByTheStatementTimeout() throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = api.getConnection();
                Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.execute("SELECT pg_sleep(30)"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"))
                    .hasMessageContaining("statement timeout");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    /** A session left idle inside a transaction is ended by the server, which frees its snapshot and locks. */
    @Test
    void aTransactionLeftIdleIsEndedByTheServer() throws Exception {
        try (Connection c = api.getConnection()) {
            c.setAutoCommit(false);
            int pid;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            boolean gone = false;
            while (!gone && System.nanoTime() < deadline) {
                try (Connection other = sink.getConnection();
                        PreparedStatement ps =
                                other.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
                    ps.setInt(1, pid);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        gone = rs.getInt(1) == 0;
                    }
                }
                if (!gone) {
                    Thread.sleep(100);
                }
            }
            assertThat(gone)
                    .as("backend " + pid + " ended by idle_in_transaction_session_timeout")
                    .isTrue();
            assertThatThrownBy(() -> c.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);
        } finally {
            api.flush(AgroalDataSource.FlushMode.INVALID);
        }
    }

    @Test
    void theSinkKeepsWritingWhileEveryApiConnectionIsTaken() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < API_POOL; i++) {
                held.add(api.getConnection());
            }
            assertThatThrownBy(api::getConnection)
                    .as("the API pool is exhausted")
                    .isInstanceOf(SQLException.class);
            Instant t = Instant.parse("2032-02-01T00:00:00Z");
            Fixtures.send(Fixtures.both("pool-sink", 0, "agent", Emotion.HAPPY, 0.8, t));
            Fixtures.send(Fixtures.both("pool-sink", 1, "agent", Emotion.SAD, 0.7, t.plusSeconds(1)));
            Fixtures.awaitSinkCaughtUp();
            try (Connection c = sink.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT count(*) FROM utterances WHERE recording_id = 'pool-sink'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        // and the API answers again once its connections are back
        api().get("/utterances?recording=pool-sink&order=asc").then().statusCode(200);
    }

    @Test
    void anExportOfManyPagesIsCompleteAndInOrder() {
        // label=happy: i % 3 == 1 of the 120 bulk rows = 40 rows, i.e. 6 pages of 7
        List<String> happy = IntStream.range(0, ApiFixtures.BULK_SIZE)
                .filter(i -> i % 3 == 1)
                .mapToObj(i -> "api-bulk#" + i)
                .toList();
        assertThat(happy.size()).isGreaterThan(PAGE * 5).isLessThan(MAX_EXPORT);
        assertThat(exportedIds("speaker=api-pager&label=happy&order=asc")).containsExactlyElementsOf(happy);
        List<String> reversed = new ArrayList<>(happy);
        Collections.reverse(reversed);
        assertThat(exportedIds("speaker=api-pager&label=happy")).containsExactlyElementsOf(reversed);

        // exactly the maximum is fine, and not marked truncated: 2031-06-01 00:00:00 .. 00:01:39 = rows 0..99
        List<String> first100 =
                IntStream.range(0, MAX_EXPORT).mapToObj(i -> "api-bulk#" + i).toList();
        api().get("/utterances/export.csv?speaker=api-pager&order=asc&from=2031-06-01T00:00:00Z"
                        + "&to=2031-06-01T00:01:40Z")
                .then()
                .statusCode(200)
                .header("X-Export-Truncated", nullValue());
        assertThat(exportedIds("speaker=api-pager&order=asc&from=2031-06-01T00:00:00Z&to=2031-06-01T00:01:40Z"))
                .containsExactlyElementsOf(first100);
    }

    @Test
    void anExportMatchingMoreThanTheMaximumIsAProblemUnlessALimitAsksForFewer() {
        api().get("/utterances/export.csv?speaker=api-pager")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("type", containsString("export-too-large"))
                .body("status", is(422))
                .body("detail", containsString("more than 100 rows"))
                .body("detail", containsString("limit"));
        // an explicit limit takes the first rows and says the file is cut
        String csv = api().get("/utterances/export.csv?speaker=api-pager&order=asc&limit=" + MAX_EXPORT)
                .then()
                .statusCode(200)
                .header("X-Export-Truncated", "true")
                .extract()
                .asString();
        List<String> ids = ids(csv);
        assertThat(ids)
                .containsExactlyElementsOf(IntStream.range(0, MAX_EXPORT)
                        .mapToObj(i -> "api-bulk#" + i)
                        .toList());
        api().get("/utterances/export.csv?speaker=api-pager&limit=" + (MAX_EXPORT + 1))
                .then()
                .statusCode(400)
                .body("parameter", is("limit"));
    }

    private static List<String> exportedIds(String query) {
        return ids(api().get("/utterances/export.csv?" + query)
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    private static List<String> ids(String csv) {
        String[] lines = csv.split("\r\n");
        assertThat(lines[0]).startsWith("utterance_id,");
        return Arrays.stream(lines)
                .skip(1)
                .map(l -> l.substring(0, l.indexOf(',')))
                .toList();
    }

    private static String setting(AgroalDataSource ds, String name) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
