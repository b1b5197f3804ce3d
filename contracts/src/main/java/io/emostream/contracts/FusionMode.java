package io.emostream.contracts;

/** How speech and text scores are combined. */
public enum FusionMode {
    /** {@code p = w1·p_speech + w2·p_text}, renormalised, with fixed weights. */
    FIXED,
    /** The fixed weights each scaled by their modality's certainty (1 − normalised entropy), then as FIXED. */
    CONFIDENCE
}
