package io.emostream.contracts;

/** How speech and text scores are combined. */
public enum FusionMode {
    /** {@code p = w1·p_speech + w2·p_text}, renormalised, with fixed weights. */
    FIXED,
    /** The fixed weights each scaled by their modality's certainty (1 − normalised entropy), then as FIXED. */
    CONFIDENCE,
    /**
     * A learned gate: the speech share {@code w = sigmoid(θ·φ)} from both scores' certainties and probabilities,
     * then {@code p = w·p_speech + (1 − w)·p_text} (fitted on paired speech + text data, see fusion-service).
     */
    GATED
}
