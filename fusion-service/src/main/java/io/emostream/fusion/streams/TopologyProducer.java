package io.emostream.fusion.streams;

import io.emostream.contracts.Topics;
import io.emostream.fusion.FusionJoiner;
import io.emostream.fusion.config.FusionConfig;
import io.emostream.fusion.config.FusionSettings;
import io.emostream.guard.PoisonGuard;
import io.emostream.guard.streams.DeadLetterSender;
import io.emostream.guard.streams.GuardedProcessor;
import io.emostream.guard.streams.StreamsShutdown;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * speech scores ─┐
 *                ├─► fusion (pending + emitted stores) ─┬─► emostream.emotions
 * text scores  ──┘                                      └─► emostream.deadletter
 * <p>
 * Both score topics are keyed by utterance id with the same partition count, so partition n of each lands in the
 * same task and the join needs no repartition. Values are read as bytes and parsed inside the processor, so a
 * malformed record becomes a dead letter in the same transaction instead of a deserialisation failure.
 */
@ApplicationScoped
public class TopologyProducer {

    public static final String SPEECH_SOURCE = "speech-scores";
    public static final String TEXT_SOURCE = "text-scores";
    public static final String FUSION = "fusion";
    public static final String EMOTIONS_SINK = "emotions";
    public static final String DEADLETTER_SINK = "deadletter";
    /** Utterance id → the side that came first, waiting for its partner. */
    public static final String PENDING_STORE = "fusion-pending";
    /** Utterance id → what was emitted for it (retained for emitted-retention). */
    public static final String EMITTED_STORE = "fusion-emitted";

    /** Changelog records hold one score (at most the input topic's limit) plus a small envelope. */
    private static final Map<String, String> CHANGELOG =
            Map.of("max.message.bytes", Integer.toString(Topics.MAX_UTTERANCE_MESSAGE_BYTES + 64 * 1024));

    private final FusionSettings settings;
    /** One set of meters however often the topology is built (the extension may build it more than once). */
    private final FusionMetrics metrics;

    private final Tracer tracer;
    private final PoisonGuard guard;

    @Inject
    public TopologyProducer(FusionConfig config, MeterRegistry registry, Tracer tracer, PoisonGuard guard) {
        this(FusionSettings.from(config), registry, tracer, guard);
        // dead letters written by Kafka Streams' exception handlers count like the processor's own
        DeadLetterSender.onDeadLetter(dl -> metrics.deadLetter(dl.sourceTopic(), dl.reason()));
    }

    public TopologyProducer(FusionSettings settings, MeterRegistry registry, Tracer tracer, PoisonGuard guard) {
        this.settings = settings;
        this.metrics = new FusionMetrics(registry, settings.mode());
        this.tracer = tracer;
        this.guard = guard;
    }

    /** The lag gauge reads the app's metrics, so it is registered once the app exists. */
    void onStart(@Observes StartupEvent event, KafkaStreams streams) {
        metrics.consumerLag(streams);
    }

    /**
     * On SIGTERM, before the extension's own close (which would keep the member in the group until its session
     * ends): close leaving the group, so the partitions move at once (StreamsShutdown).
     */
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event, KafkaStreams streams) {
        StreamsShutdown.closeLeavingGroup(streams, StreamsShutdown.CLOSE_TIMEOUT);
    }

    @Produces
    public Topology buildTopology() {
        return buildTopology(FusionProcessor.PARSED_WAITING);
    }

    /** As {@link #buildTopology()}, keeping at most {@code parsedWaitingLimit} parsed waiting scores per task. */
    Topology buildTopology(int parsedWaitingLimit) {
        FusionJoiner joiner = new FusionJoiner(
                settings.mode(), settings.speechWeight(), settings.textWeight(), settings.gate(), Clock.systemUTC());

        StoreBuilder<KeyValueStore<String, byte[]>> pending = Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(), Serdes.ByteArray())
                // most entries live a few ms: the cache folds their put and delete into one changelog write
                .withCachingEnabled()
                .withLoggingEnabled(CHANGELOG);
        StoreBuilder<WindowStore<String, byte[]>> emitted = Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(
                                EMITTED_STORE,
                                FusionProcessor.emittedStoreRetention(settings),
                                Duration.ofMillis(1),
                                false),
                        Serdes.String(),
                        Serdes.ByteArray())
                .withLoggingEnabled(CHANGELOG);

        Topology topology = new Topology();
        ScoreTimestamps timestamps = new ScoreTimestamps();
        topology.addSource(
                AutoOffsetReset.earliest(),
                SPEECH_SOURCE,
                timestamps,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Topics.SCORES_SPEECH);
        topology.addSource(
                AutoOffsetReset.earliest(),
                TEXT_SOURCE,
                timestamps,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Topics.SCORES_TEXT);
        // under the consumer guard: a score whose processing kills the JVM is quarantined after a few attempts
        topology.addProcessor(
                FUSION,
                () -> new GuardedProcessor(
                        new FusionProcessor(settings, joiner, metrics, tracer, guard.service(), parsedWaitingLimit),
                        guard,
                        DEADLETTER_SINK),
                SPEECH_SOURCE,
                TEXT_SOURCE);
        topology.addStateStore(pending, FUSION);
        topology.addStateStore(emitted, FUSION);
        topology.addSink(EMOTIONS_SINK, Topics.EMOTIONS, new ByteArraySerializer(), new ByteArraySerializer(), FUSION);
        topology.addSink(
                DEADLETTER_SINK, Topics.DEADLETTER, new ByteArraySerializer(), new ByteArraySerializer(), FUSION);
        return topology;
    }
}
