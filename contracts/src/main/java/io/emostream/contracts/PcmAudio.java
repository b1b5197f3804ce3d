package io.emostream.contracts;

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

    /** Float samples to s16le; values outside [-1, 1] are clipped and NaN becomes 0. */
    public static byte[] encode(float[] samples, int from, int to) {
        byte[] out = new byte[(to - from) * 2];
        for (int i = from, j = 0; i < to; i++, j += 2) {
            float f = samples[i];
            int s;
            if (Float.isNaN(f)) {
                s = 0;
            } else if (f >= 1f) {
                s = Short.MAX_VALUE;
            } else if (f <= -1f) {
                s = Short.MIN_VALUE;
            } else {
                s = Math.round(f * 32768f);
                s = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, s));
            }
            out[j] = (byte) s;
            out[j + 1] = (byte) (s >> 8);
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
            out[i] = (short) ((pcm[j] & 0xff) | (pcm[j + 1] << 8)) / 32768f;
        }
        return out;
    }

    public static long durationMs(int samples) {
        return Math.round(samples * 1000.0 / SAMPLE_RATE);
    }
}
