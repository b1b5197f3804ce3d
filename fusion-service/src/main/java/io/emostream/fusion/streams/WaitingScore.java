package io.emostream.fusion.streams;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One side's score as the state stores keep it: its JSON bytes (canonical labels) plus where it came from and
 * when its partner stops being awaited. A compact binary envelope, so the JSON is stored as it arrived and is
 * never re-serialised.
 *
 * @param deadline  event time (ms) after which the score is emitted alone
 * @param timestamp the input record's timestamp
 */
record WaitingScore(Side side, long deadline, long timestamp, int partition, long offset, byte[] score) {

    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 1 + 8 + 8 + 4 + 8;

    byte[] encode() {
        return ByteBuffer.allocate(HEADER + score.length)
                .put(VERSION).put((byte) side.ordinal()).putLong(deadline).putLong(timestamp)
                .putInt(partition).putLong(offset).put(score).array();
    }

    static WaitingScore decode(byte[] bytes) {
        return decode(bytes, 0);
    }

    static WaitingScore decode(byte[] bytes, int from) {
        ByteBuffer b = ByteBuffer.wrap(bytes, from, bytes.length - from);
        byte version = b.get();
        if (version != VERSION) {
            throw new IllegalStateException("unknown stored score version " + version);
        }
        Side side = Side.values()[b.get()];
        long deadline = b.getLong();
        long timestamp = b.getLong();
        int partition = b.getInt();
        long offset = b.getLong();
        return new WaitingScore(side, deadline, timestamp, partition, offset,
                Arrays.copyOfRange(bytes, from + HEADER, bytes.length));
    }
}
