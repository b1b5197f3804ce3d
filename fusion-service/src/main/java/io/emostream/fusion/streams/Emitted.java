package io.emostream.fusion.streams;

import io.emostream.contracts.Modalities;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What has been emitted for an utterance, as the "emitted" store remembers it: BOTH (complete) or one side alone
 * (keeping that side's score so a late partner can be fused into one correction), and per side the model
 * ({@code name:version}) whose score was emitted. De-duplication is keyed on (utterance, side, model): a score of a
 * model already emitted for that side is a duplicate; one of another model version is a re-score and passes.
 *
 * @param speechModel the emitted speech score's model, null when none was emitted or it is unknown (a marker written
 *                    before models were recorded, or a result too large to emit): unknown counts as "same model"
 * @param textModel   likewise for the text side
 */
record Emitted(Modalities modalities, WaitingScore single, String speechModel, String textModel) {

    /** Version 1 (no models) is still read, so state written before re-scoring was possible restores. */
    private static final byte VERSION = 2;

    static Emitted complete(String speechModel, String textModel) {
        return new Emitted(Modalities.BOTH, null, speechModel, textModel);
    }

    static Emitted alone(WaitingScore score, String model) {
        return new Emitted(
                score.side().alone(),
                score,
                score.side() == Side.SPEECH ? model : null,
                score.side() == Side.TEXT ? model : null);
    }

    /** A score's model as markers store it: {@code name:version}, at most 256 characters (a longer one is cut). */
    static String modelKey(io.emostream.contracts.ModelRef model) {
        String k = model.toString();
        return k.length() <= 256 ? k : k.substring(0, 256);
    }

    /** The model emitted for {@code side}, or null (none, or unknown). */
    String model(Side side) {
        return side == Side.SPEECH ? speechModel : textModel;
    }

    /** True when {@code side} has been emitted (the utterance is complete or already has this side). */
    boolean has(Side side) {
        return modalities == Modalities.BOTH || single.side() == side;
    }

    /**
     * True when a score of {@code side} from {@code model} adds nothing: that side was emitted from the same model
     * (or from a model this marker does not know).
     */
    boolean covers(Side side, String model) {
        if (!has(side)) {
            return false;
        }
        String emitted = model(side);
        return emitted == null || emitted.equals(model);
    }

    /** This marker after a re-score of {@code side} by {@code model} was emitted alone as {@code score}. */
    Emitted rescored(WaitingScore score, String model) {
        if (modalities == Modalities.BOTH) {
            return score.side() == Side.SPEECH ? complete(model, textModel) : complete(speechModel, model);
        }
        return alone(score, model);
    }

    byte[] encode() {
        byte[] sm = bytes(speechModel);
        byte[] tm = bytes(textModel);
        byte[] s = single == null ? new byte[0] : single.encode();
        return ByteBuffer.allocate(2 + 2 + sm.length + 2 + tm.length + s.length)
                .put(VERSION)
                .put((byte) modalities.ordinal())
                .putShort((short) sm.length)
                .put(sm)
                .putShort((short) tm.length)
                .put(tm)
                .put(s)
                .array();
    }

    static Emitted decode(byte[] bytes) {
        byte version = bytes[0];
        Modalities m = Modalities.values()[bytes[1]];
        if (version == 1) {
            return m == Modalities.BOTH
                    ? complete(null, null)
                    : new Emitted(m, WaitingScore.decode(bytes, 2), null, null);
        }
        if (version != VERSION) {
            throw new IllegalStateException("unknown emitted marker version " + version);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
        String sm = string(b);
        String tm = string(b);
        return m == Modalities.BOTH
                ? complete(sm, tm)
                : new Emitted(m, WaitingScore.decode(bytes, b.position()), sm, tm);
    }

    private static byte[] bytes(String s) {
        if (s == null) {
            return new byte[0];
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer b) {
        int n = b.getShort();
        if (n == 0) {
            return null;
        }
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
