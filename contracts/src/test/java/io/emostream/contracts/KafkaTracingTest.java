package io.emostream.contracts;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaTracingTest {

    private final SdkTracerProvider provider = SdkTracerProvider.builder().build();
    private final Tracer tracer = provider.get(KafkaTracing.SCOPE);

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void aRecordWithoutTraceStartsANewTraceThatTheOutputCarries() {
        Headers in = new RecordHeaders();
        assertThat(KafkaTracing.traceId(in)).isNull();

        Span span = KafkaTracing.start(tracer, "ingest recording", Topics.RECORDINGS, "rec-1", in, 0);
        Headers out = KafkaTracing.inject(span, new RecordHeaders());
        span.end();

        assertThat(span.getSpanContext().isValid()).isTrue();
        assertThat(((ReadableSpan) span).getParentSpanContext().isValid()).isFalse();
        assertThat(header(out, KafkaTracing.TRACEPARENT))
                .isEqualTo("00-" + span.getSpanContext().getTraceId() + "-"
                        + span.getSpanContext().getSpanId() + "-01");
        assertThat(KafkaTracing.traceId(out)).isEqualTo(span.getSpanContext().getTraceId());
    }

    @Test
    void eachHopIsAChildOfTheRecordItRead() {
        Span first = KafkaTracing.start(tracer, "ingest recording", Topics.RECORDINGS, "rec-1", new RecordHeaders(), 0);
        Headers hop1 = KafkaTracing.inject(first, new RecordHeaders());
        first.end();

        Span second = KafkaTracing.start(tracer, "score speech", Topics.UTTERANCES_AUDIO, "rec-1#0", hop1, 0);
        Headers hop2 = KafkaTracing.inject(second, new RecordHeaders());
        second.end();

        assertThat(second.getSpanContext().getTraceId())
                .isEqualTo(first.getSpanContext().getTraceId());
        assertThat(second.getSpanContext().getSpanId())
                .isNotEqualTo(first.getSpanContext().getSpanId());
        assertThat(((ReadableSpan) second).getParentSpanContext().getSpanId())
                .isEqualTo(first.getSpanContext().getSpanId());
        assertThat(((ReadableSpan) second).toSpanData().getAttributes().asMap().toString())
                .contains("rec-1#0", Topics.UTTERANCES_AUDIO);
        assertThat(KafkaTracing.traceId(hop2)).isEqualTo(first.getSpanContext().getTraceId());
    }

    @Test
    void injectReplacesTheTraceHeadersOfTheInput() {
        Headers headers = new RecordHeaders();
        headers.add(
                KafkaTracing.TRACEPARENT,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
        headers.add("content-type", "audio/wav".getBytes(StandardCharsets.UTF_8));
        Span child = KafkaTracing.start(tracer, "score", Topics.UTTERANCES_AUDIO, null, headers, 0);
        KafkaTracing.inject(child, headers);

        assertThat(headers.headers(KafkaTracing.TRACEPARENT)).hasSize(1);
        assertThat(header(headers, KafkaTracing.TRACEPARENT))
                .startsWith("00-0af7651916cd43dd8448eb211c80319c-")
                .doesNotContain("b7ad6b7169203331");
        assertThat(header(headers, "content-type")).isEqualTo("audio/wav");
    }

    @Test
    void withoutAnSdkTheIncomingContextPassesThroughUnchanged() {
        Tracer noop = OpenTelemetry.noop().getTracer(KafkaTracing.SCOPE);
        String tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Headers in = new RecordHeaders();
        in.add(KafkaTracing.TRACEPARENT, tp.getBytes(StandardCharsets.UTF_8));

        Span span = KafkaTracing.start(noop, "score", Topics.UTTERANCES_TEXT, null, in, 0);
        Headers out = KafkaTracing.inject(span, new RecordHeaders());

        assertThat(header(out, KafkaTracing.TRACEPARENT)).isEqualTo(tp);
        // and nothing is written when there is no trace at all
        Span none = KafkaTracing.start(noop, "score", Topics.UTTERANCES_TEXT, null, new RecordHeaders(), 0);
        assertThat(KafkaTracing.inject(none, new RecordHeaders()).lastHeader(KafkaTracing.TRACEPARENT))
                .isNull();
    }

    @Test
    void malformedTraceHeadersAreIgnored() {
        Headers in = new RecordHeaders();
        in.add(KafkaTracing.TRACEPARENT, "not-a-traceparent".getBytes(StandardCharsets.UTF_8));
        assertThat(KafkaTracing.traceId(in)).isNull();
        Span span = KafkaTracing.start(tracer, "ingest recording", Topics.RECORDINGS, "rec-1", in, 0);
        assertThat(span.getSpanContext().isValid()).isTrue();
        assertThat(((ReadableSpan) span).getParentSpanContext().isValid()).isFalse();
        span.end();
    }

    @Test
    void epochNanosOfAnEarlierReadingLiesInThePast() {
        long t = System.nanoTime() - 2_000_000_000L;
        long nowNanos = System.currentTimeMillis() * 1_000_000L;
        assertThat(KafkaTracing.epochNanos(t)).isBetween(nowNanos - 2_100_000_000L, nowNanos - 1_900_000_000L);
    }

    private static String header(Headers h, String key) {
        return h.lastHeader(key) == null ? null : new String(h.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
