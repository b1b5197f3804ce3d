package io.emostream.fusion.streams;

import io.emostream.contracts.Modalities;

import java.nio.ByteBuffer;

/**
 * What has been emitted for an utterance, as the "emitted" store remembers it: BOTH (complete, anything more is a
 * duplicate) or one side alone, keeping that side's score so a late partner can be fused into one correction.
 */
record Emitted(Modalities modalities, WaitingScore single) {

    private static final byte VERSION = 1;
    private static final Emitted COMPLETE = new Emitted(Modalities.BOTH, null);

    static Emitted complete() {
        return COMPLETE;
    }

    static Emitted alone(WaitingScore score) {
        return new Emitted(score.side().alone(), score);
    }

    /** True when a score of {@code side} adds nothing: the utterance is complete or already has this side. */
    boolean covers(Side side) {
        return modalities == Modalities.BOTH || single.side() == side;
    }

    byte[] encode() {
        if (single == null) {
            return new byte[] {VERSION, (byte) modalities.ordinal()};
        }
        byte[] s = single.encode();
        return ByteBuffer.allocate(2 + s.length).put(VERSION).put((byte) modalities.ordinal()).put(s).array();
    }

    static Emitted decode(byte[] bytes) {
        if (bytes[0] != VERSION) {
            throw new IllegalStateException("unknown emitted marker version " + bytes[0]);
        }
        Modalities m = Modalities.values()[bytes[1]];
        return m == Modalities.BOTH ? COMPLETE : new Emitted(m, WaitingScore.decode(bytes, 2));
    }
}
