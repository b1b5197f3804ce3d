package io.emostream.ingest.streams;

import io.emostream.contracts.Topics;
import io.emostream.guard.PoisonGuard;
import io.emostream.guard.streams.DeadLetterSender;
import io.emostream.guard.streams.GuardedProcessor;
import io.emostream.guard.streams.StreamsShutdown;
import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.segment.RecordingSegmenter;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Recordings and transcripts (co-partitioned by recording id) → one processor ({@link IngestProcessor}: the
 * {@link TranscriptRendezvous} of two changelogged stores, the {@link RecordingPublisher}) →
 * utterance audio, utterance text, recording status, dead letters. Recording statuses are also read back into a
 * global store so any instance can answer {@code GET /recordings/{id}/status}.
 */
@ApplicationScoped
public class TopologyProducer {

    private final IngestConfig config;
    private final IngestMetrics metrics;
    private final Map<String, Object> kafkaConfig;
    private final Tracer tracer;
    private final PoisonGuard guard;

    public TopologyProducer(
            IngestConfig config,
            IngestMetrics metrics,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            Tracer tracer,
            PoisonGuard guard) {
        this.config = config;
        this.metrics = metrics;
        this.kafkaConfig = kafkaConfig;
        this.tracer = tracer;
        this.guard = guard;
        // dead letters written by Kafka Streams' exception handlers count like the processor's own
        DeadLetterSender.onDeadLetter(dl -> metrics.deadLettered(dl.reason(), dl.sourceTopic()));
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
        return build(config, metrics, kafkaConfig, tracer, guard);
    }

    /**
     * @param tracer spans of each recording's processing ({@link io.emostream.contracts.KafkaTracing})
     * @param guard  the consumer guard: a recording whose processing kills the JVM is quarantined
     */
    public static Topology build(
            IngestConfig config,
            IngestMetrics metrics,
            Map<String, Object> kafkaConfig,
            Tracer tracer,
            PoisonGuard guard) {
        return build(config, metrics, () -> new RecordingFetcher(kafkaConfig), tracer, guard);
    }

    /**
     * @param recordings where each task reads a waiting recording's bytes back from when it is released (one per
     *                   task, closed with it): the recordings topic in production
     */
    static Topology build(
            IngestConfig config,
            IngestMetrics metrics,
            Supplier<RecordingSource> recordings,
            Tracer tracer,
            PoisonGuard guard) {
        RecordingSegmenter segmenter = new RecordingSegmenter(config);
        Topology t = new Topology();
        t.addSource(
                IngestTopology.RECORDINGS_SOURCE,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Topics.RECORDINGS);
        t.addSource(
                IngestTopology.TRANSCRIPTS_SOURCE,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Topics.TRANSCRIPTS);
        t.addProcessor(
                IngestTopology.PROCESSOR,
                () -> new GuardedProcessor(
                        new IngestProcessor(config, segmenter, metrics, recordings, tracer, guard),
                        guard,
                        IngestTopology.DLQ_SINK),
                IngestTopology.RECORDINGS_SOURCE,
                IngestTopology.TRANSCRIPTS_SOURCE);
        t.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(IngestTopology.WAITING_STORE),
                        Serdes.String(),
                        Serdes.ByteArray()),
                IngestTopology.PROCESSOR);
        t.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(IngestTopology.TRANSCRIPT_STORE),
                        Serdes.String(),
                        Serdes.ByteArray()),
                IngestTopology.PROCESSOR);
        t.addSink(
                IngestTopology.AUDIO_SINK,
                Topics.UTTERANCES_AUDIO,
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                IngestTopology.PROCESSOR);
        t.addSink(
                IngestTopology.SPEAKER_AUDIO_SINK,
                Topics.UTTERANCES_AUDIO_SPEAKER,
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                IngestTopology.PROCESSOR);
        t.addSink(
                IngestTopology.TEXT_SINK,
                Topics.UTTERANCES_TEXT,
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                IngestTopology.PROCESSOR);
        t.addSink(
                IngestTopology.STATUS_SINK,
                Topics.RECORDING_STATUS,
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                IngestTopology.PROCESSOR);
        t.addSink(
                IngestTopology.DLQ_SINK,
                Topics.DEADLETTER,
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                IngestTopology.PROCESSOR);
        t.addGlobalStore(
                Stores.keyValueStoreBuilder(
                                Stores.inMemoryKeyValueStore(IngestTopology.STATUS_STORE),
                                Serdes.String(),
                                Serdes.ByteArray())
                        .withLoggingDisabled(),
                "status-source",
                new StringDeserializer(),
                new ByteArrayDeserializer(),
                Topics.RECORDING_STATUS,
                "status-updater",
                () -> new Processor<String, byte[], Void, Void>() {
                    private KeyValueStore<String, byte[]> store;

                    @Override
                    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<Void, Void> context) {
                        store = context.getStateStore(IngestTopology.STATUS_STORE);
                    }

                    @Override
                    public void process(Record<String, byte[]> record) {
                        if (record.key() == null) {
                            return;
                        }
                        if (record.value() == null) {
                            store.delete(record.key());
                        } else {
                            store.put(record.key(), record.value());
                        }
                    }
                });
        return t;
    }
}
