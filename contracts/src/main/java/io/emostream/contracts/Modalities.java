package io.emostream.contracts;

/** Which inputs a fused result was made from. */
public enum Modalities {
    BOTH,
    SPEECH_ONLY,
    TEXT_ONLY
}
