package io.emostream.contracts;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The audio encoding on {@link Topics#UTTERANCES_AUDIO}: 16 kHz mono, signed 16-bit little-endian PCM. Samples
 * are floats in [-1, 1] at the edges of the platform and s16 on the wire (half the bytes of float32, plenty of
 * resolution for emotion).
 */
public final class PcmAudio {

    public static final int SAMPLE_RATE = 16_000;
    public static final String ENCODING = "pcm_s16le";
    public static final String CONTENT_TYPE = "audio/L16;rate=16000;channels=1";

    private PcmAudio() {}

    /** s16 little-endian loads/stores on a byte[], one instruction each instead of two byte accesses and shifts. */
    private static final VarHandle S16LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** Float samples to s16le; values outside [-1, 1] are clipped and NaN becomes 0. */
    public static byte[] encode(float[] samples, int from, int to) {
        byte[] out = new byte[(to - from) * 2];
        for (int i = from, j = 0; i < to; i++, j += 2) {
            // clip first, then round: the same value as rounding then clipping for every input (a rounded value
            // of 32768 clips to 32767 either way); NaN stays NaN through min/max and Math.round(NaN) is 0
            float x = Math.max(-32768f, Math.min(32767f, samples[i] * 32768f));
            S16LE.set(out, j, (short) Math.round(x));
        }
        return out;
    }

    public static byte[] encode(float[] samples) {
        return encode(samples, 0, samples.length);
    }

    /** s16le to float samples in [-1, 1). */
    public static float[] decode(byte[] pcm) {
        if (pcm == null || (pcm.length & 1) != 0) {
            throw new IllegalArgumentException(
                    "s16le PCM needs an even number of bytes, got " + (pcm == null ? "null" : pcm.length));
        }
        float[] out = new float[pcm.length / 2];
        for (int i = 0, j = 0; i < out.length; i++, j += 2) {
            out[i] = (short) S16LE.get(pcm, j) / 32768f;
        }
        return out;
    }

    public static long durationMs(int samples) {
        return Math.round(samples * 1000.0 / SAMPLE_RATE);
    }
}
