package io.emostream.reporting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the reporting service, under {@code emostream.reporting}. */
@ConfigMapping(prefix = "emostream.reporting")
public interface ReportingConfig {

    /** API keys accepted in the X-API-Key header (a secret in production); with none, every API call gets 401. */
    Optional<List<String>> apiKeys();

    /** The Kafka → PostgreSQL sink. */
    Sink sink();

    /** The REST API. */
    Api api();

    interface Sink {

        /** Whether this instance consumes the topics at all (an API-only replica can turn it off). */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group; instances sharing it split the partitions. */
        @WithDefault("emostream-reporting")
        String groupId();

        /** Most records written per database transaction (the consumer's max.poll.records). */
        @WithDefault("2000")
        int maxBatch();

        /** How long one poll waits for records. */
        @WithDefault("500ms")
        Duration pollTimeout();

        /** First wait after a failed database write; doubles up to {@link #maxRetryBackoff()}. */
        @WithDefault("500ms")
        Duration retryBackoff();

        /** Longest wait between retries of a failed write (stay well under max.poll.interval.ms). */
        @WithDefault("30s")
        Duration maxRetryBackoff();

        /** A consumer loop that shows no progress (no poll returned, no batch written) this long is stuck: liveness DOWN. */
        @WithDefault("5m")
        Duration stuckAfter();

        /**
         * PostgreSQL {@code statement_timeout} of every connection of the sink's pool (datasource {@code sink}); sized
         * for one batch's set-based statements (a 2,000-record batch takes well under a second). Also bounds the
         * Flyway migrations, which run through this pool at start.
         */
        @WithDefault("60s")
        Duration statementTimeout();

        /** PostgreSQL {@code idle_in_transaction_session_timeout} of the sink's connections. */
        @WithDefault("60s")
        Duration idleInTransactionTimeout();
    }

    interface Api {

        /** Page size when the request gives no limit. */
        @WithDefault("50")
        int defaultPageSize();

        /** Largest page size a request may ask for; more is a 400. */
        @WithDefault("500")
        int maxPageSize();

        /** Most utterances in a recording's timeline (GET /recordings/{id}); longer ones are cut and flagged. */
        @WithDefault("5000")
        int maxTimeline();

        /** Most groups GET /stats/emotions returns for speaker or recording grouping by default. */
        @WithDefault("100")
        int defaultGroups();

        /** Most groups GET /stats/emotions may return. */
        @WithDefault("10000")
        int maxGroups();

        /**
         * Most rows one CSV export returns: a query matching more is refused (422 problem) unless the request asks
         * for fewer with {@code limit}.
         */
        @WithDefault("1000000")
        int maxExportRows();

        /** Rows per page of an export: each page is its own short statement on a pooled connection. */
        @WithDefault("1000")
        int exportPageSize();

        /** Confidence below which an utterance counts as low-confidence in summaries. */
        @WithDefault("0.5")
        double lowConfidence();

        /**
         * Longest a single API query may run before it is cancelled (503): the PostgreSQL {@code statement_timeout}
         * of every connection of the API's pool (the default datasource) and the JDBC query timeout.
         */
        @WithDefault("10s")
        Duration queryTimeout();

        /** PostgreSQL {@code idle_in_transaction_session_timeout} of the API's connections. */
        @WithDefault("30s")
        Duration idleInTransactionTimeout();
    }
}
