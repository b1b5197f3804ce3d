package io.emostream.contracts;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * Why a record was rejected and where it came from. A dead-letter record on {@link Topics#DEADLETTER} keeps the
 * original key, value (bytes, untouched) and headers, and adds this metadata as {@code emostream-dlq-*} headers,
 * so nothing is lost and the record can be replayed to its source topic as it was.
 *
 * <p>An oversize original (over the {@code maxBytes} given to {@link #toRecord(byte[], byte[], Headers, int)}) is
 * dead-lettered <em>by reference</em>: the value and every large header are left out and {@value #OMITTED} says
 * what was left out; the original stays on its source topic (its retention) at the partition and offset given.
 */
public record DeadLetter(
        FailureReason reason,
        String detail,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String service,
        Instant failedAt) {

    public static final String PREFIX = "emostream-dlq-";
    public static final String REASON = PREFIX + "reason";
    public static final String DETAIL = PREFIX + "detail";
    public static final String SOURCE_TOPIC = PREFIX + "source-topic";
    public static final String SOURCE_PARTITION = PREFIX + "source-partition";
    public static final String SOURCE_OFFSET = PREFIX + "source-offset";
    public static final String SERVICE = PREFIX + "service";
    public static final String FAILED_AT = PREFIX + "failed-at";
    /**
     * Present on a dead letter by reference: what was left out, e.g. {@code value=209715200,header:transcript=3874422}
     * (bytes). Read the original at the source topic, partition and offset.
     */
    public static final String OMITTED = PREFIX + "omitted";

    /** Original headers up to this size stay on a dead letter by reference (content type, language, trace …). */
    static final int SMALL_HEADER = 1024;

    /** Details are cut to this many characters so a huge exception message cannot bloat the record. */
    public static final int MAX_DETAIL = 2000;

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(sourceTopic, "sourceTopic");
        detail = detail == null ? "" : detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    }

    /** The dead-letter record for an original record's key, value and headers (any earlier dlq headers replaced). */
    public ProducerRecord<byte[], byte[]> toRecord(byte[] key, byte[] value, Headers originalHeaders) {
        return toRecord(key, value, originalHeaders, Integer.MAX_VALUE);
    }

    /**
     * As {@link #toRecord(byte[], byte[], Headers)}, but by reference when the original's value and headers
     * together exceed {@code maxBytes}: then the value is null and headers over {@value #SMALL_HEADER} bytes are
     * left out, listed in {@value #OMITTED}.
     */
    public ProducerRecord<byte[], byte[]> toRecord(byte[] key, byte[] value, Headers originalHeaders, int maxBytes) {
        long size = value == null ? 0 : value.length;
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                size += h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
        }
        boolean byReference = size > maxBytes;
        StringBuilder omitted = new StringBuilder();
        Headers headers = new RecordHeaders();
        if (byReference && value != null) {
            omitted.append("value=").append(value.length);
        }
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                if (h.key().startsWith(PREFIX)) {
                    continue;
                }
                if (byReference && h.value() != null && h.value().length > SMALL_HEADER) {
                    omitted.append(omitted.length() == 0 ? "" : ",")
                            .append("header:")
                            .append(h.key())
                            .append('=')
                            .append(h.value().length);
                } else {
                    headers.add(h.key(), h.value());
                }
            }
        }
        put(headers, REASON, reason.name());
        put(headers, DETAIL, detail);
        put(headers, SOURCE_TOPIC, sourceTopic);
        put(headers, SOURCE_PARTITION, Integer.toString(sourcePartition));
        put(headers, SOURCE_OFFSET, Long.toString(sourceOffset));
        put(headers, SERVICE, service == null ? "" : service);
        put(headers, FAILED_AT, (failedAt == null ? Instant.now() : failedAt).toString());
        if (byReference) {
            put(headers, OMITTED, omitted.toString());
        }
        return new ProducerRecord<>(Topics.DEADLETTER, null, key, byReference ? null : value, headers);
    }

    /** True when the dead letter left the original's value (or large headers) out: read them at the source. */
    public static boolean isByReference(Headers headers) {
        return headers.lastHeader(OMITTED) != null;
    }

    /** Reads the dead-letter metadata back from a record's headers. */
    public static DeadLetter fromHeaders(Headers headers) {
        String reason = get(headers, REASON);
        if (reason == null) {
            throw new IllegalArgumentException("not a dead-letter record: no '" + REASON + "' header");
        }
        String failedAt = get(headers, FAILED_AT);
        return new DeadLetter(
                FailureReason.valueOf(reason),
                get(headers, DETAIL),
                get(headers, SOURCE_TOPIC),
                Integer.parseInt(get(headers, SOURCE_PARTITION)),
                Long.parseLong(get(headers, SOURCE_OFFSET)),
                get(headers, SERVICE),
                failedAt == null ? null : Instant.parse(failedAt));
    }

    private static void put(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String get(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
