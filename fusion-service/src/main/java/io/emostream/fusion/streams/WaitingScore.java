package io.emostream.fusion.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One side's score as the state stores keep it: its JSON bytes (canonical labels) plus where it came from, the
 * trace it belongs to, and when its partner stops being awaited. A compact binary envelope, so the JSON is stored
 * as it arrived and is never re-serialised.
 *
 * @param deadline    event time (ms) after which the score is emitted alone
 * @param timestamp   the input record's timestamp
 * @param traceparent the input record's W3C {@code traceparent} header, or null
 */
record WaitingScore(
        Side side, long deadline, long timestamp, int partition, long offset, String traceparent, byte[] score) {

    /** Version 1 (no trace) is still read, so state written before tracing restores. */
    private static final byte VERSION = 2;

    private static final int HEADER_V1 = 1 + 1 + 8 + 8 + 4 + 8;

    byte[] encode() {
        byte[] tp = traceparent == null ? new byte[0] : traceparent.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(HEADER_V1 + 1 + tp.length + score.length)
                .put(VERSION)
                .put((byte) side.ordinal())
                .putLong(deadline)
                .putLong(timestamp)
                .putInt(partition)
                .putLong(offset)
                .put((byte) tp.length)
                .put(tp)
                .put(score)
                .array();
    }

    static WaitingScore decode(byte[] bytes) {
        return decode(bytes, 0);
    }

    static WaitingScore decode(byte[] bytes, int from) {
        ByteBuffer b = ByteBuffer.wrap(bytes, from, bytes.length - from);
        byte version = b.get();
        if (version != 1 && version != VERSION) {
            throw new IllegalStateException("unknown stored score version " + version);
        }
        Side side = Side.values()[b.get()];
        long deadline = b.getLong();
        long timestamp = b.getLong();
        int partition = b.getInt();
        long offset = b.getLong();
        String traceparent = null;
        int start = from + HEADER_V1;
        if (version == VERSION) {
            int n = Byte.toUnsignedInt(b.get());
            if (n > 0) {
                traceparent = new String(bytes, start + 1, n, StandardCharsets.US_ASCII);
            }
            start += 1 + n;
        }
        return new WaitingScore(
                side,
                deadline,
                timestamp,
                partition,
                offset,
                traceparent,
                Arrays.copyOfRange(bytes, start, bytes.length));
    }
}
