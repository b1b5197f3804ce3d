package io.emostream.guard.streams;

import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;

/**
 * How the Kafka Streams services (ingest, fusion) close on SIGTERM: leaving their consumer group, so that the
 * partitions move to the remaining instances at once instead of after the closed member's session timeout.
 *
 * <p>A dynamic Kafka Streams member cannot leave on close (Kafka Streams sets the consumer's internal
 * {@code leave.group.on.close} to false; {@code CloseOptions.leaveGroup} acts on static members only, KIP-1092). So
 * each instance runs as a <em>static</em> member with an instance id unique to the JVM
 * ({@code kafka-streams.group.instance.id=<service>-${quarkus.uuid}}; Kafka Streams appends the thread index) and
 * this close removes it from the group through the admin API. A killed instance (no close) still holds its
 * partitions until {@code session.timeout.ms}, as before.
 */
public final class StreamsShutdown {

    /** How long a close waits for the stream threads (the pods' grace period is 60 s). */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private StreamsShutdown() {}

    /** Closes {@code streams}, removing its static members from the group; false if it did not stop in time. */
    public static boolean closeLeavingGroup(KafkaStreams streams, Duration timeout) {
        return streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(timeout));
    }
}
