package io.emostream.reporting.persistence;

import io.agroal.api.AgroalPoolInterceptor;
import io.emostream.reporting.config.ReportingConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Server-side limits set on every new connection of both pools: PostgreSQL cancels a statement that runs longer than
 * {@code statement_timeout} (SQL state 57014, a 503 for the API; a retried batch for the sink) and ends a session
 * that sits idle inside a transaction longer than {@code idle_in_transaction_session_timeout}, releasing its locks
 * and snapshot. Set by the server, so they hold even when a client hangs or a thread dies mid-transaction.
 */
public final class SessionLimits {

    /** The datasource of the Kafka → PostgreSQL sink (and of the Flyway migrations). */
    public static final String SINK = "sink";

    private SessionLimits() {}

    /** The SQL that sets both limits, in whole milliseconds (0 = none, as in PostgreSQL). */
    static String sql(Duration statement, Duration idleInTransaction) {
        return "SET statement_timeout = " + statement.toMillis() + "; SET idle_in_transaction_session_timeout = "
                + idleInTransaction.toMillis();
    }

    static void apply(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot set the session limits of a new database connection: " + e.getMessage(), e);
        }
    }

    /** The REST API's pool (the default datasource). */
    @ApplicationScoped
    public static class Api implements AgroalPoolInterceptor {

        private final String sql;

        public Api(ReportingConfig config) {
            this.sql = sql(config.api().queryTimeout(), config.api().idleInTransactionTimeout());
        }

        @Override
        public void onConnectionCreate(Connection connection) {
            apply(connection, sql);
        }
    }

    /** The sink's pool (datasource {@value SessionLimits#SINK}). */
    @ApplicationScoped
    @io.quarkus.agroal.DataSource(SINK)
    public static class Sink implements AgroalPoolInterceptor {

        private final String sql;

        public Sink(ReportingConfig config) {
            this.sql = sql(config.sink().statementTimeout(), config.sink().idleInTransactionTimeout());
        }

        @Override
        public void onConnectionCreate(Connection connection) {
            apply(connection, sql);
        }
    }
}
