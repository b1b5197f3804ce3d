package io.emostream.models;

/**
 * Encoder output for a padded batch: {@code data} is [batch, maxLen, hidden] row-major; positions at or beyond
 * {@code lengths[i]} are padding.
 */
public record TokenFeatures(float[] data, int batch, int maxLen, int hidden, long[] lengths) {

    /** The valid token vectors of item {@code i}: [lengths[i]][hidden]. */
    public float[][] item(int i) {
        float[][] out = new float[(int) lengths[i]][hidden];
        for (int t = 0; t < lengths[i]; t++) {
            System.arraycopy(data, (i * maxLen + t) * hidden, out[t], 0, hidden);
        }
        return out;
    }
}
