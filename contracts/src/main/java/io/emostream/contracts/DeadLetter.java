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
 */
public record DeadLetter(FailureReason reason, String detail, String sourceTopic, int sourcePartition,
                         long sourceOffset, String service, Instant failedAt) {

    public static final String PREFIX = "emostream-dlq-";
    public static final String REASON = PREFIX + "reason";
    public static final String DETAIL = PREFIX + "detail";
    public static final String SOURCE_TOPIC = PREFIX + "source-topic";
    public static final String SOURCE_PARTITION = PREFIX + "source-partition";
    public static final String SOURCE_OFFSET = PREFIX + "source-offset";
    public static final String SERVICE = PREFIX + "service";
    public static final String FAILED_AT = PREFIX + "failed-at";

    /** Details are cut to this many characters so a huge exception message cannot bloat the record. */
    public static final int MAX_DETAIL = 2000;

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(sourceTopic, "sourceTopic");
        detail = detail == null ? "" : detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    }

    /** The dead-letter record for an original record's key, value and headers (any earlier dlq headers replaced). */
    public ProducerRecord<byte[], byte[]> toRecord(byte[] key, byte[] value, Headers originalHeaders) {
        Headers headers = new RecordHeaders();
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                if (!h.key().startsWith(PREFIX)) {
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
        return new ProducerRecord<>(Topics.DEADLETTER, null, key, value, headers);
    }

    /** Reads the dead-letter metadata back from a record's headers. */
    public static DeadLetter fromHeaders(Headers headers) {
        String reason = get(headers, REASON);
        if (reason == null) {
            throw new IllegalArgumentException("not a dead-letter record: no '" + REASON + "' header");
        }
        String failedAt = get(headers, FAILED_AT);
        return new DeadLetter(FailureReason.valueOf(reason), get(headers, DETAIL), get(headers, SOURCE_TOPIC),
                Integer.parseInt(get(headers, SOURCE_PARTITION)), Long.parseLong(get(headers, SOURCE_OFFSET)),
                get(headers, SERVICE), failedAt == null ? null : Instant.parse(failedAt));
    }

    private static void put(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String get(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
