package io.emostream.ingest.config;

import io.emostream.contracts.Topics;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kafka Streams settings derived rather than copied into application.properties (as fusion's
 * {@code ContractsConfigSource} does): the topics that must exist and the producer's request size, from
 * {@link Topics}; and the timeouts sized for the longest recording ingest accepts ({@code emostream.ingest.max-duration}):
 * a recording is decoded twice, cut and published inside one transaction, and a transaction that outlives
 * {@code transaction.timeout.ms} is aborted by the broker, so the recording would be processed again, forever.
 * Low ordinal: application.properties and the environment can still override both.
 */
public class StreamsSizing implements ConfigSourceFactory {

    static final String TRANSACTION_TIMEOUT = "kafka-streams.producer.transaction.timeout.ms";
    static final String MAX_POLL_INTERVAL = "kafka-streams.max.poll.interval.ms";
    /** The broker's default transaction.max.timeout.ms: a longer timeout is refused. */
    static final long BROKER_MAX_TRANSACTION_MS = 15 * 60 * 1000;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue v = context.getValue("emostream.ingest.max-duration");
        Duration maxDuration =
                v == null || v.getValue() == null ? Duration.ofHours(4) : new DurationConverter().convert(v.getValue());
        long tx = transactionTimeoutMs(maxDuration);
        return List.of(new PropertiesConfigSource(
                Map.of(
                        // the pipeline starts (and readiness turns UP) only once these exist
                        "quarkus.kafka-streams.topics",
                        String.join(
                                ",", Topics.RECORDINGS, Topics.TRANSCRIPTS, Topics.RECORDING_STATUS, Topics.ATTEMPTS),
                        // recordings up to the input limit can be dead-lettered whole
                        "kafka-streams.producer.max.request.size",
                        Integer.toString(Topics.MAX_RECORDING_MESSAGE_BYTES),
                        TRANSACTION_TIMEOUT,
                        Long.toString(tx),
                        // a poll loop that processes one such recording must not be taken for dead either
                        MAX_POLL_INTERVAL,
                        Long.toString(tx + 60_000)),
                "emostream-ingest-streams-sizing",
                50));
    }

    /**
     * One minute plus 1/40 of the longest recording: one pass decodes at ~1000x real time per core (bench/ingest.sh),
     * so this leaves a 10x margin for a loaded machine over the two passes; at most the broker's 15 min limit.
     * 4 h recordings: 7 min.
     */
    static long transactionTimeoutMs(Duration maxDuration) {
        return Math.min(BROKER_MAX_TRANSACTION_MS, 60_000 + maxDuration.toMillis() / 40);
    }
}
