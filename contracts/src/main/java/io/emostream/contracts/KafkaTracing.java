package io.emostream.contracts;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Trace context in Kafka headers: every record a service derives from another carries the W3C {@code traceparent}
 * (and {@code tracestate}) of the span that produced it, whose parent is the span of the input record. One
 * recording is one trace: ingest starts it (or continues the producer's / the REST caller's), and inference,
 * fusion and reporting each add a span per utterance, so an utterance can be followed from the recording to its
 * database row ({@code utterances.trace_id}).
 * <p>
 * Works with any {@link Tracer}: with the SDK that quarkus-opentelemetry sets up, spans are recorded and
 * exported; with a no-op tracer (tools, tests outside Quarkus) the incoming context is passed on unchanged.
 */
public final class KafkaTracing {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** Instrumentation scope name of every EmoStream span. */
    public static final String SCOPE = "io.emostream";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header h : headers) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header h = headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private KafkaTracing() {}

    /** The trace context a record carries; {@link Context#root()} when it carries none (or an invalid one). */
    public static Context extract(Headers headers) {
        return headers == null ? Context.root() : W3C.extract(Context.root(), headers, GETTER);
    }

    /** Writes {@code context}'s span into {@code headers}, replacing any trace headers there; no-op without a valid span. */
    public static Headers inject(Context context, Headers headers) {
        if (headers != null && Span.fromContext(context).getSpanContext().isValid()) {
            headers.remove(TRACEPARENT);
            headers.remove(TRACESTATE);
            W3C.inject(context, headers, SETTER);
        }
        return headers;
    }

    /** Writes {@code span} into {@code headers} (see {@link #inject(Context, Headers)}). */
    public static Headers inject(Span span, Headers headers) {
        return inject(Context.root().with(span), headers);
    }

    /** The trace id (32 hex digits) a record carries, or null. */
    public static String traceId(Headers headers) {
        SpanContext sc = Span.fromContext(extract(headers)).getSpanContext();
        return sc.isValid() ? sc.getTraceId() : null;
    }

    /**
     * Starts the span of one step on one record: a child of the record's trace context (a new trace when it has
     * none), kind CONSUMER, with the messaging attributes and the record's key as {@code emostream.key}.
     *
     * @param startEpochNanos when the step began (e.g. when the record was polled), or 0 for now
     */
    public static Span start(
            Tracer tracer, String name, String topic, String key, Headers input, long startEpochNanos) {
        var b = tracer.spanBuilder(name)
                .setParent(extract(input))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.source.name", topic);
        if (key != null) {
            b.setAttribute("emostream.key", key);
        }
        if (startEpochNanos > 0) {
            b.setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
        }
        return b.startSpan();
    }

    /** Wall-clock epoch nanos of a {@link System#nanoTime()} reading taken earlier in this JVM. */
    public static long epochNanos(long nanoTime) {
        long ageNanos = System.nanoTime() - nanoTime;
        return TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - ageNanos;
    }
}
