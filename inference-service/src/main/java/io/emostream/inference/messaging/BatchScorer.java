package io.emostream.inference.messaging;

import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EmotionScore;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.InferenceTiming;
import io.emostream.contracts.JsonSerde;
import io.emostream.contracts.KafkaTracing;
import io.emostream.contracts.ModelRef;
import io.emostream.models.EmotionModel;
import io.emostream.models.Prediction;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Scores one micro-batch: decodes each record, runs ONE forward pass for all decodable inputs, and turns the
 * results into score records. Undecodable records, and inputs the model fails on, become dead letters; when the
 * batched pass fails, each input is retried alone so one poison input cannot take the others down with it.
 *
 * @param <I> the model's input type
 */
public final class BatchScorer<I> implements RecordScorer {

    // a plain logger: this class also runs outside Quarkus (tools, tests in child JVMs)
    private static final Logger LOG = Logger.getLogger(BatchScorer.class);

    /** A record decoded into what the model needs and what the score record needs. */
    public interface Decoded<I> {
        I input();

        EmotionScore score(ModelRef model, Prediction prediction, InferenceTiming timing, Instant scoredAt);
    }

    /** Decodes a record; throws {@link JsonSerde.MalformedEventException} (or IllegalArgumentException) when it cannot. */
    @FunctionalInterface
    public interface Decoder<I> {
        Decoded<I> decode(ConsumerRecord<byte[], byte[]> record);
    }

    /** A polled record and when it reached this worker. */
    public record Arrived(ConsumerRecord<byte[], byte[]> record, long arrivedNanos) {}

    private final EmotionModel<I> model;
    private final Decoder<I> decoder;
    private final String outputTopic;
    private final InferenceMetrics metrics;
    private final Tracer tracer;
    private final String spanName;
    private final String service;

    /**
     * @param tracer  one span per scored utterance, a child of the input record's trace ({@link KafkaTracing})
     * @param service the service's name, in its dead letters ({@link io.emostream.guard.PoisonGuard#service()})
     */
    public BatchScorer(
            EmotionModel<I> model,
            Decoder<I> decoder,
            String outputTopic,
            InferenceMetrics metrics,
            Tracer tracer,
            String service) {
        this.model = model;
        this.decoder = decoder;
        this.outputTopic = outputTopic;
        this.metrics = metrics;
        this.tracer = tracer;
        this.service = service;
        this.spanName = "score " + model.manifest().modality().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public InferenceMetrics metrics() {
        return metrics;
    }

    public ModelRef modelRef() {
        return model.manifest().ref();
    }

    /** Score records (to {@code outputTopic}) and dead letters, in input order. */
    @Override
    public List<ProducerRecord<byte[], byte[]>> score(List<Arrived> batch) {
        return score(batch, model::predict);
    }

    /**
     * As {@link #score(List)}, with {@code predict} for the one pass over all decodable inputs (e.g. the speech
     * model's speaker-aware scoring of one speaker's utterances); when it fails, each input is scored alone by the
     * model's own {@code predict}, as a failed batch is.
     */
    public List<ProducerRecord<byte[], byte[]>> score(
            List<Arrived> batch, Function<List<I>, List<Prediction>> predict) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(batch.size());
        List<Arrived> ok = new ArrayList<>(batch.size());
        List<Decoded<I>> decoded = new ArrayList<>(batch.size());
        long decodeStart = System.nanoTime();
        for (Arrived a : batch) {
            try {
                decoded.add(decoder.decode(a.record()));
                ok.add(a);
            } catch (JsonSerde.MalformedEventException e) {
                out.add(deadLetter(a.record(), e.reason(), e.getMessage()));
            } catch (RuntimeException e) {
                out.add(deadLetter(a.record(), FailureReason.MALFORMED_EVENT, e.getMessage()));
            }
        }
        metrics.decode(System.nanoTime() - decodeStart);
        if (decoded.isEmpty()) {
            return out;
        }
        long start = System.nanoTime();
        List<Prediction> predictions;
        try {
            predictions = predict.apply(decoded.stream().map(Decoded::input).toList());
        } catch (RuntimeException e) {
            LOG.warnf("batch of %d failed (%s); scoring its inputs one by one", decoded.size(), e.getMessage());
            out.addAll(scoreOneByOne(ok, decoded));
            return out;
        }
        long forward = System.nanoTime() - start;
        metrics.batch(decoded.size(), forward);
        Instant now = Instant.now();
        for (int i = 0; i < decoded.size(); i++) {
            double queueMs = (start - ok.get(i).arrivedNanos()) / 1e6;
            metrics.queued(queueMs, forward);
            InferenceTiming timing = new InferenceTiming(
                    queueMs, forward / 1e6, decoded.size(), predictions.get(i).windows());
            out.add(scoreRecord(ok.get(i), decoded.get(i).score(modelRef(), predictions.get(i), timing, now)));
        }
        metrics.scored(decoded.size());
        return out;
    }

    private List<ProducerRecord<byte[], byte[]>> scoreOneByOne(List<Arrived> ok, List<Decoded<I>> decoded) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < decoded.size(); i++) {
            long start = System.nanoTime();
            try {
                Prediction p = model.predict(List.of(decoded.get(i).input())).get(0);
                long forward = System.nanoTime() - start;
                metrics.batch(1, forward);
                double queueMs = (start - ok.get(i).arrivedNanos()) / 1e6;
                metrics.queued(queueMs, forward);
                out.add(scoreRecord(
                        ok.get(i),
                        decoded.get(i)
                                .score(
                                        modelRef(),
                                        p,
                                        new InferenceTiming(queueMs, forward / 1e6, 1, p.windows()),
                                        Instant.now())));
                metrics.scored(1);
            } catch (RuntimeException e) {
                out.add(deadLetter(
                        ok.get(i).record(),
                        FailureReason.MODEL_FAILURE,
                        model.manifest().ref() + " failed on this input: " + e.getMessage()));
            }
        }
        return out;
    }

    /** The score record, carrying the trace of a span from the input's arrival to now. */
    private ProducerRecord<byte[], byte[]> scoreRecord(Arrived input, EmotionScore s) {
        ConsumerRecord<byte[], byte[]> r = input.record();
        Span span = KafkaTracing.start(
                tracer,
                spanName,
                r.topic(),
                s.utteranceId(),
                r.headers(),
                KafkaTracing.epochNanos(input.arrivedNanos()));
        span.setAttribute("emostream.model", s.model().toString());
        span.setAttribute("emostream.batch_size", (long) s.timing().batchSize());
        span.setAttribute("emostream.forward_ms", s.timing().inferenceMs());
        span.end();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(
                outputTopic,
                s.utteranceId().getBytes(StandardCharsets.UTF_8),
                EventSerdes.EMOTION_SCORE.serialize(outputTopic, s));
        KafkaTracing.inject(span, out.headers());
        return out;
    }

    /** The input record as a dead letter with the reason (counted and logged). */
    ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, FailureReason reason, String detail) {
        metrics.deadLettered(reason);
        LOG.warnf("dead-lettering %s-%d@%d: %s %s", r.topic(), r.partition(), r.offset(), reason, detail);
        return new DeadLetter(reason, detail, r.topic(), r.partition(), r.offset(), service, Instant.now())
                .toRecord(r.key(), r.value(), r.headers());
    }
}
